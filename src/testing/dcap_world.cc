#include "testing/dcap_world.h"

namespace attest::testing {
namespace {

std::shared_ptr<const TestPki> DefaultPki() {
  // Aliasing constructor: shares nothing, points at the process-wide PKI.
  return std::shared_ptr<const TestPki>(std::shared_ptr<const TestPki>(), &TestPki::Default());
}

std::array<uint8_t, 16> Lowered(std::array<uint8_t, 16> svn) {
  for (uint8_t& s : svn) {
    if (s > 0 && s < 255) --s;
  }
  return svn;
}

}  // namespace

DcapWorld DcapWorld::Sgx() {
  DcapWorld w{.pki = DefaultPki(),
              .anchors = TestAnchors(),
              .pck = PckCertBuilder(),
              .quote = QuoteBuilder::SgxV3(),
              .tcb_info = TcbInfoBuilder::Sgx(3),
              .qe_identity = QeIdentityBuilder::Qe()};
  w.pck.WithCa(collateral::PckCa::kProcessor)
      .WithFmspc({0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00})
      .WithTcb(kSgxPlatformSvn, kSgxPlatformPcesvn);
  w.tcb_info.WithFmspc(w.pck.fields().fmspc)
      .WithLevels({TcbLevelSpec{.sgx_svn = kSgxPlatformSvn, .pcesvn = kSgxPlatformPcesvn},
                   TcbLevelSpec{.sgx_svn = Lowered(kSgxPlatformSvn),
                                .pcesvn = kSgxPlatformPcesvn - 2,
                                .status = "OutOfDate",
                                .advisory_ids = {"INTEL-SA-00828"},
                                .tcb_date = "2023-02-15T00:00:00Z"}});
  return w;
}

DcapWorld DcapWorld::Tdx(QuoteFormat format) {
  QuoteBuilder quote = format == QuoteFormat::kTdxV5Td15   ? QuoteBuilder::TdxV5(true)
                       : format == QuoteFormat::kTdxV5Td10 ? QuoteBuilder::TdxV5(false)
                                                           : QuoteBuilder::TdxV4();
  DcapWorld w{.pki = DefaultPki(),
              .anchors = TestAnchors(),
              .pck = PckCertBuilder(),
              .quote = std::move(quote),
              .tcb_info = TcbInfoBuilder::Tdx(),
              .qe_identity = QeIdentityBuilder::TdQe()};
  w.pck.WithCa(collateral::PckCa::kPlatform)
      .WithFmspc({0x00, 0x80, 0x6f, 0x05, 0x00, 0x00})
      .WithTcb(kTdxPlatformSvn, kTdxPlatformPcesvn);
  w.quote.WithTeeTcbSvn(Bytes(kTdxTeeTcbSvn.begin(), kTdxTeeTcbSvn.end()));
  w.quote.WithTeeTcbSvn2(Bytes(kTdxTeeTcbSvn.begin(), kTdxTeeTcbSvn.end()));
  w.tcb_info.WithFmspc(w.pck.fields().fmspc)
      .WithLevels({TcbLevelSpec{.sgx_svn = kTdxPlatformSvn,
                                .pcesvn = kTdxPlatformPcesvn,
                                .tdx_svn = kTdxTeeTcbSvn},
                   TcbLevelSpec{.sgx_svn = Lowered(kTdxPlatformSvn),
                                .pcesvn = kTdxPlatformPcesvn,
                                .tdx_svn = Lowered(kTdxTeeTcbSvn),
                                .status = "OutOfDate",
                                .advisory_ids = {"INTEL-SA-00960"},
                                .tcb_date = "2023-08-09T00:00:00Z"}})
      .WithTdxModuleIdentities(
          {TdxModuleSpec{.id = "TDX_01",
                         .levels = {TdxModuleLevelSpec{.isvsvn = 4},
                                    TdxModuleLevelSpec{.isvsvn = 2,
                                                       .status = "OutOfDate",
                                                       .advisory_ids = {"INTEL-SA-01036"},
                                                       .tcb_date = "2023-08-09T00:00:00Z"}}}});
  return w;
}

TestCert DcapWorld::PckLeaf() const { return pck_leaf ? *pck_leaf : pck.Build(*pki); }

DcapCase DcapWorld::Build() const {
  const TestPki& p = *pki;
  TestCert leaf = PckLeaf();
  const TestCert& ca = PckCa();
  std::string chain = pck_chain_pem.value_or(PemChain({&leaf, &ca, &p.root()}));

  DcapCase c;
  c.quote = quote.Build(leaf.key(), chain);
  c.anchors = anchors;
  c.verification_time = verification_time;
  c.pck_leaf_der = leaf.Der();
  collateral::DcapCollateral& col = c.collateral;
  col.tcb_info = tcb_info_json.value_or(tcb_info.Build(p.tcb_signing().key()));
  col.tcb_info_issuer_chain = ToBytes(tcb_info_issuer_chain.value_or(p.TcbSigningChainPem()));
  col.qe_identity = qe_identity_json.value_or(qe_identity.Build(p.tcb_signing().key()));
  col.qe_identity_issuer_chain = ToBytes(qe_identity_issuer_chain.value_or(p.TcbSigningChainPem()));
  if (include_pck_crl) col.pck_crl = pck_crl_der.value_or(pck_crl.BuildDer(ca));
  if (include_pck_crl_issuer_chain) col.pck_crl_issuer_chain = ToBytes(p.PckCaChainPem(pck.ca()));
  col.root_ca_crl = root_ca_crl_der.value_or(root_ca_crl.BuildDer(p.root()));
  return c;
}

}  // namespace attest::testing
