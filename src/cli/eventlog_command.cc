// attestctl eventlog: parse and replay a TCG event log (issue 9 item 7).
//
//   attestctl eventlog --eventlog LOG [--pcrs PCRS.json ...] [--events]
//
// Prints {"banks":{"sha256":{"0":"<hex>",...},...},"events":N} (N = entries in the log, the
// Spec ID header included; banks list the PCRs that have events), plus "parsed_events" (the
// policy `events` model) with --events. With --pcrs the replay is compared: exit 0 only if
// it matches (else the output carries "error" and the exit status is 1). A log that does not
// parse: {"error":{...}}, exit 1. Usage errors exit 2.
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "cli/tpm_commands.h"
#include "evidence/tpm/event_decode.h"
#include "evidence/tpm/event_log.h"
#include "evidence/tpm/pcr_values_json.h"

namespace attest::cli {
namespace {

struct EventlogArgs {
  std::string eventlog;
  std::vector<std::string> pcrs;
  bool events = false;
};

nlohmann::json ErrorJson(const Status& s) {
  return {{"code", std::string(StatusCodeName(s.code()))},
          {"reason", s.reason()},
          {"message", s.message()}};
}

int PrintError(const Status& s, int exit_code) {
  std::cout << nlohmann::json{{"error", ErrorJson(s)}}.dump(2) << std::endl;
  return exit_code;
}

int RunEventlog(const EventlogArgs& a) {
  evidence::tpm::EventLogLimits limits;
  evidence::tpm::PcrValues quoted;
  for (const std::string& path : a.pcrs) {
    auto text = ReadFileText(path, 1024 * 1024);
    if (!text) return PrintError(text.error().WithContext("--pcrs"), 2);
    Status s = evidence::tpm::ParsePcrValuesJson(*text, quoted);
    if (!s.ok()) return PrintError(s.WithContext("--pcrs " + path), 2);
  }
  auto bytes = ReadFileBytes(a.eventlog, limits.max_size);
  if (!bytes) {
    if (bytes.error().reason() == "FILE_TOO_LARGE") {
      return PrintError(Status::InvalidEvidence("TPM_EVENTLOG_TOO_LARGE", bytes.error().message()), 1);
    }
    return PrintError(bytes.error().WithContext("--eventlog"), 2);
  }
  auto log = evidence::tpm::ParseEventLog(*bytes, limits);
  if (!log) return PrintError(log.error(), 1);
  auto replayed = evidence::tpm::ReplayEventLog(*log);
  if (!replayed) return PrintError(replayed.error(), 1);
  nlohmann::json out = {{"banks", evidence::tpm::PcrValuesToJson(*replayed)},
                        {"events", log->events.size()}};
  if (a.events) {
    uint16_t bank = log->Banks().empty() ? evidence::tpm::kAlgSha1 : log->Banks().front();
    for (uint16_t b : log->Banks()) {
      if (b == evidence::tpm::kAlgSha256) bank = b;
    }
    out["parsed_events"] = evidence::tpm::DecodeEvents(*log, bank)["Events"];
  }
  int rc = 0;
  if (!a.pcrs.empty()) {
    Status cmp = evidence::tpm::CompareReplay(*replayed, quoted);
    if (!cmp.ok()) {
      out["error"] = ErrorJson(cmp);
      rc = 1;
    }
  }
  std::cout << out.dump(2) << std::endl;
  return rc;
}

}  // namespace

void RegisterEventlogCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<EventlogArgs>();
  CLI::App* cmd = app.add_subcommand("eventlog", "Parse and replay a TCG event log");
  cmd->add_option("--eventlog", args->eventlog, "TCG binary event log (crypto-agile or SHA-1)")
      ->required();
  cmd->add_option("--pcrs", args->pcrs,
                  R"(Expected PCR values {"bank":"sha256","pcrs":{"0":"hex",...}}; repeatable)");
  cmd->add_flag("--events", args->events, "Also print the parsed events");
  cmd->callback([args, exit_code] { *exit_code = RunEventlog(*args); });
}

}  // namespace attest::cli
