// The report bodies a DCAP quote carries (spec/intel-dcap.md §1.5, §1.6) as plain fields,
// and their byte-exact little-endian encodings. Value types; thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"

namespace attest::testing {

// SGX report body (384 B): the enclave body of SGX quotes and the QE report.
struct SgxReportFields {
  Bytes cpusvn = Bytes(16, 0x00);
  uint32_t miscselect = 0;
  Bytes isv_ext_prod_id = Bytes(16, 0x00);
  Bytes attributes = Bytes(16, 0x00);  // flags u64 ‖ xfrm u64; flags bit 1 = DEBUG
  Bytes mrenclave = Bytes(32, 0x00);
  Bytes mrsigner = Bytes(32, 0x00);
  Bytes config_id = Bytes(64, 0x00);
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  uint16_t config_svn = 0;
  Bytes isv_family_id = Bytes(16, 0x00);
  Bytes report_data = Bytes(64, 0x00);
};

// TD report body 1.0 (584 B) and the two TD 1.5 additions (648 B).
struct TdReportFields {
  Bytes tee_tcb_svn = Bytes(16, 0x00);
  Bytes mrseam = Bytes(48, 0x00);
  Bytes mrsignerseam = Bytes(48, 0x00);
  Bytes seam_attributes = Bytes(8, 0x00);
  Bytes td_attributes = Bytes(8, 0x00);  // bit 0 = DEBUG
  Bytes xfam = Bytes(8, 0x00);
  Bytes mrtd = Bytes(48, 0x00);
  Bytes mrconfigid = Bytes(48, 0x00);
  Bytes mrowner = Bytes(48, 0x00);
  Bytes mrownerconfig = Bytes(48, 0x00);
  std::array<Bytes, 4> rtmr{Bytes(48, 0x00), Bytes(48, 0x00), Bytes(48, 0x00), Bytes(48, 0x00)};
  Bytes report_data = Bytes(64, 0x00);
  Bytes tee_tcb_svn2 = Bytes(16, 0x00);  // TD 1.5 only
  Bytes mrservicetd = Bytes(48, 0x00);   // TD 1.5 only
};

// 384 bytes. Aborts (builder bug) when a field has the wrong size.
Bytes EncodeSgxReportBody(const SgxReportFields& f);
// 584 bytes, or 648 with `td15`.
Bytes EncodeTdReportBody(const TdReportFields& f, bool td15);

void AppendLe16(Bytes& out, uint16_t v);
void AppendLe32(Bytes& out, uint32_t v);

}  // namespace attest::testing
