#include "testing/report_bodies.h"

#include <string>

#include "testing/testing_ptr.h"

namespace attest::testing {
namespace {

void Put(Bytes& out, const Bytes& field, size_t size, const char* name) {
  BuilderCheck(field.size() == size, std::string("report field ") + name + " must be " +
                                         std::to_string(size) + " bytes");
  out.insert(out.end(), field.begin(), field.end());
}

}  // namespace

void AppendLe16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}

void AppendLe32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

Bytes EncodeSgxReportBody(const SgxReportFields& f) {
  // spec §1.5, offsets in comments.
  Bytes out;
  out.reserve(384);
  Put(out, f.cpusvn, 16, "cpusvn");                 // 0
  AppendLe32(out, f.miscselect);                    // 16
  out.insert(out.end(), 12, 0x00);                  // 20 reserved
  Put(out, f.isv_ext_prod_id, 16, "isv_ext_prod_id");  // 32
  Put(out, f.attributes, 16, "attributes");         // 48
  Put(out, f.mrenclave, 32, "mrenclave");           // 64
  out.insert(out.end(), 32, 0x00);                  // 96 reserved
  Put(out, f.mrsigner, 32, "mrsigner");             // 128
  out.insert(out.end(), 32, 0x00);                  // 160 reserved
  Put(out, f.config_id, 64, "config_id");           // 192
  AppendLe16(out, f.isv_prod_id);                   // 256
  AppendLe16(out, f.isv_svn);                       // 258
  AppendLe16(out, f.config_svn);                    // 260
  out.insert(out.end(), 42, 0x00);                  // 262 reserved
  Put(out, f.isv_family_id, 16, "isv_family_id");   // 304
  Put(out, f.report_data, 64, "report_data");       // 320
  BuilderCheck(out.size() == 384, "SGX report body size");
  return out;
}

Bytes EncodeTdReportBody(const TdReportFields& f, bool td15) {
  // spec §1.6, offsets in comments.
  Bytes out;
  out.reserve(648);
  Put(out, f.tee_tcb_svn, 16, "tee_tcb_svn");          // 0
  Put(out, f.mrseam, 48, "mrseam");                    // 16
  Put(out, f.mrsignerseam, 48, "mrsignerseam");        // 64
  Put(out, f.seam_attributes, 8, "seam_attributes");   // 112
  Put(out, f.td_attributes, 8, "td_attributes");       // 120
  Put(out, f.xfam, 8, "xfam");                         // 128
  Put(out, f.mrtd, 48, "mrtd");                        // 136
  Put(out, f.mrconfigid, 48, "mrconfigid");            // 184
  Put(out, f.mrowner, 48, "mrowner");                  // 232
  Put(out, f.mrownerconfig, 48, "mrownerconfig");      // 280
  for (const Bytes& r : f.rtmr) Put(out, r, 48, "rtmr");  // 328, 376, 424, 472
  Put(out, f.report_data, 64, "report_data");          // 520
  if (td15) {
    Put(out, f.tee_tcb_svn2, 16, "tee_tcb_svn2");      // 584
    Put(out, f.mrservicetd, 48, "mrservicetd");        // 600
  }
  BuilderCheck(out.size() == (td15 ? 648u : 584u), "TD report body size");
  return out;
}

}  // namespace attest::testing
