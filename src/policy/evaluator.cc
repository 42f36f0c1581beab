// Policy evaluation (spec/maa-policy-language.md §3, §4).
#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <vector>

#include "policy/eval_value.h"
#include "policy/json_limits.h"
#include "policy/policy.h"

namespace attest::policy {
namespace {

// Service claims that are read-only (spec §4 item 9, §7.4): usable in comparisons and
// add(), never issued.
constexpr std::array<std::string_view, 1> kReadOnlyClaimTypes = {"pcrs"};

struct IncomingClaim {
  claims::Claim claim;
  bool read_only = false;
};

// The claims a positive condition bound in the current combination (one, or all matches
// when gathered as a set).
using Binding = std::vector<size_t>;

class Evaluator {
 public:
  Evaluator(const EvaluationLimits& limits, const claims::ClaimSet& incoming,
            const ReservedClaims& reserved)
      : budget_{limits, limits.max_steps, limits.max_built_bytes},
        reserved_(reserved),
        given_(incoming.size()) {
    for (const claims::Claim& c : incoming.claims()) {
      bool read_only = c.issuer == claims::kIssuerAttestationService &&
                       std::find(kReadOnlyClaimTypes.begin(), kReadOnlyClaimTypes.end(), c.type) !=
                           kReadOnlyClaimTypes.end();
      incoming_.push_back(IncomingClaim{c, read_only});
    }
  }

  StatusOr<PolicyResult> Run(const PolicyAst& ast) {
    if (incoming_.size() > budget_.limits.max_claims) {
      return Err(Status::InvalidArgument(std::string(kPolicyLimitExceeded),
                                         "too many incoming claims for policy evaluation"));
    }
    // Values are copied, compared and serialised recursively; a claim value (e.g. runtime
    // data JSON, which the attester chooses) nested without bound would overflow the stack.
    for (const IncomingClaim& ic : incoming_) {
      if (MeasureJson(ic.claim.value, std::numeric_limits<int64_t>::max(),
                      budget_.limits.max_json_depth)
              .exceeded) {
        return Err(Status::InvalidArgument(
            std::string(kPolicyLimitExceeded),
            "incoming claim '" + ic.claim.type + "' nests deeper than " +
                std::to_string(budget_.limits.max_json_depth)));
      }
    }
    // spec §4 items 2-4: configuration, then authorization, then issuance.
    for (SectionKind kind :
         {SectionKind::kConfiguration, SectionKind::kAuthorization, SectionKind::kIssuance}) {
      if (kind == SectionKind::kIssuance) {
        // Any deny wins; otherwise at least one permit is needed (spec §4 item 3).
        if (deny_fired_) {
          result_.deny_message = "A Deny claim was issued, authorization failed.";
          return Denied();
        }
        if (!permit_fired_) {
          result_.deny_message = "No Permit claim was issued, authorization failed.";
          return Denied();
        }
        result_.permitted = true;
      }
      for (const Section& section : ast.sections) {
        if (section.kind != kind) continue;
        for (const Rule& rule : section.rules) {
          ATTEST_RETURN_IF_ERROR(RunRule(rule));
        }
      }
    }
    return std::move(result_);
  }

 private:
  PolicyResult Denied() {
    result_.permitted = false;
    result_.issued = claims::ClaimSet();
    return std::move(result_);
  }

  Status RunRule(const Rule& rule) {
    ATTEST_RETURN_IF_ERROR(budget_.Take());
    rule_ = &rule;
    // Conditions match against the incoming set as it was when the rule started; claims the
    // rule's own action adds are visible to later rules only (this also bounds each rule).
    snapshot_ = incoming_.size();
    bindings_.assign(rule.conditions.size(), Binding{});
    return Match(0);
  }

  // Satisfies conditions [i, n) for every combination of bound claims (spec §4 item 5).
  Status Match(size_t i) {
    if (i == rule_->conditions.size()) {
      ATTEST_RETURN_IF_ERROR(budget_.Take());
      return RunAction(rule_->action);
    }
    const Condition& cond = rule_->conditions[i];
    // Operands depend only on aliases bound to the left: evaluate them once.
    std::vector<EvalValue> operands;
    operands.reserve(cond.properties.size());
    for (const PropertyCondition& prop : cond.properties) {
      ATTEST_ASSIGN_OR_RETURN(EvalValue v, EvalExpr(prop.operand));
      operands.push_back(std::move(v));
    }
    Binding matches;
    for (size_t k = 0; k < snapshot_; ++k) {
      ATTEST_RETURN_IF_ERROR(budget_.Take());
      if (!ClaimMatches(cond, operands, incoming_[k].claim)) continue;
      if (cond.negated) return Status::Ok();  // '!': satisfied only when no claim matches
      matches.push_back(k);
      if (cond.alias.empty()) break;  // existence is enough; nothing to bind
    }
    if (cond.negated) return Match(i + 1);
    if (matches.empty()) return Status::Ok();
    if (cond.alias.empty() || cond.gather_as_set) {
      bindings_[i] = std::move(matches);
      return Match(i + 1);
    }
    for (size_t k : matches) {
      bindings_[i] = Binding{k};
      ATTEST_RETURN_IF_ERROR(Match(i + 1));
    }
    return Status::Ok();
  }

  static bool ClaimMatches(const Condition& cond, const std::vector<EvalValue>& operands,
                           const claims::Claim& claim) {
    for (size_t p = 0; p < cond.properties.size(); ++p) {
      const PropertyCondition& prop = cond.properties[p];
      const EvalValue& operand = operands[p];
      nlohmann::json scratch;
      const nlohmann::json* value = &scratch;  // the claim's value is compared, not copied
      switch (prop.property) {
        case ClaimProperty::kType:
          scratch = claim.type;
          break;
        case ClaimProperty::kIssuer:
          scratch = claim.issuer.str();
          break;
        case ClaimProperty::kValueType:
          scratch = ValueTypeName(claim.value);
          break;
        case ClaimProperty::kValue:
          value = &claim.value;
          break;
      }
      const nlohmann::json& actual = *value;
      bool ok;
      if (operand.empty()) {
        ok = false;
      } else if (operand.is_scalar()) {
        ok = CompareValues(actual, operand.items.front(), prop.op);
      } else if (prop.op == CompareOp::kEq || prop.op == CompareOp::kNe) {
        // A set operand: == is membership, != is non-membership.
        bool member = std::any_of(
            operand.items.begin(), operand.items.end(),
            [&](const nlohmann::json& v) { return CompareValues(actual, v, CompareOp::kEq); });
        ok = prop.op == CompareOp::kEq ? member : !member;
      } else {
        ok = false;
      }
      if (!ok) return false;
    }
    return true;
  }

  StatusOr<EvalValue> EvalExpr(const Expr& expr) {
    switch (expr.kind) {
      case Expr::Kind::kLiteral:
        return EvalValue{{expr.literal}, false, false};
      case Expr::Kind::kClaimRef: {
        const Binding& binding = bindings_[static_cast<size_t>(expr.alias_index)];
        const Condition& cond = rule_->conditions[static_cast<size_t>(expr.alias_index)];
        EvalValue out;
        out.is_set = cond.gather_as_set && expr.property == ClaimProperty::kValue;
        for (size_t k : binding) {
          const IncomingClaim& ic = incoming_[k];
          switch (expr.property) {
            case ClaimProperty::kType:
              out.items.emplace_back(ic.claim.type);
              break;
            case ClaimProperty::kIssuer:
              out.items.emplace_back(ic.claim.issuer.str());
              break;
            case ClaimProperty::kValueType:
              out.items.emplace_back(ValueTypeName(ic.claim.value));
              break;
            case ClaimProperty::kValue:
              ATTEST_RETURN_IF_ERROR(budget_.TakeValue(ic.claim.value, expr.pos));
              out.items.push_back(ic.claim.value);
              break;
          }
          out.read_only = out.read_only || ic.read_only;
          if (!out.is_set) break;
        }
        return out;
      }
      case Expr::Kind::kCall: {
        std::vector<EvalValue> args;
        for (const Expr& arg : expr.args) {  // left to right (spec §5)
          ATTEST_ASSIGN_OR_RETURN(EvalValue v, EvalExpr(arg));
          args.push_back(std::move(v));
        }
        return CallFunction(expr.function, std::move(args), expr.pos, budget_);
      }
    }
    return Err(Status::Internal("unknown expression kind"));
  }

  Status RunAction(const Action& action) {
    switch (action.kind) {
      case ActionKind::kPermit:
        permit_fired_ = true;
        return Status::Ok();
      case ActionKind::kDeny:
        deny_fired_ = true;
        return Status::Ok();
      default:
        break;
    }
    if (action.claim_alias_index >= 0) {
      // issue(claim=c): the bound claim's type and value (spec §4 item 7).
      Binding binding = bindings_[static_cast<size_t>(action.claim_alias_index)];
      for (size_t k : binding) {
        claims::Claim copy = incoming_[k].claim;
        ATTEST_RETURN_IF_ERROR(
            Emit(action, std::move(copy.type), std::move(copy.value), incoming_[k].read_only));
      }
      return Status::Ok();
    }
    ATTEST_ASSIGN_OR_RETURN(EvalValue type, EvalExpr(*action.type));
    if (!type.is_scalar() || !type.items.front().is_string() ||
        type.items.front().get_ref<const std::string&>().empty()) {
      return EvaluationError(action.type->pos, "the claim type must be a non-empty string");
    }
    ATTEST_ASSIGN_OR_RETURN(EvalValue value, EvalExpr(*action.value));
    // An empty value (JsonToClaimValue of null) adds nothing (spec §4 item 8); a set adds
    // one claim per element.
    for (nlohmann::json& item : value.items) {
      if (action.value_type.has_value() && *action.value_type != ValueTypeName(item)) {
        return EvaluationError(action.value->pos, std::string("the value is ") +
                                                      ValueTypeName(item) + " but valueType says " +
                                                      *action.value_type);
      }
      ATTEST_RETURN_IF_ERROR(
          Emit(action, type.items.front().get<std::string>(), std::move(item), value.read_only));
    }
    return Status::Ok();
  }

  Status Emit(const Action& action, std::string type, nlohmann::json value, bool read_only) {
    if (action.kind == ActionKind::kIssue && read_only) {
      return EvaluationError(action.pos, "claim '" + type +
                                             "' is read-only and cannot be issued; use it in "
                                             "conditions or add(...) only");
    }
    if (value.is_string() &&
        value.get_ref<const std::string&>().size() > budget_.limits.max_value_bytes) {
      return Status::InvalidArgument(std::string(kPolicyLimitExceeded),
                                     "a claim value exceeds the value size limit");
    }
    ATTEST_RETURN_IF_ERROR(budget_.TakeValue(value, action.pos));
    if (action.kind == ActionKind::kIssue && reserved_.Contains(type) &&
        !MatchesGivenClaim(type, value)) {
      return EvaluationError(action.pos,
                             "claim '" + type +
                                 "' is produced by the verifier or the service; a policy cannot "
                                 "issue it with another value (issue a new name)");
    }
    if (incoming_.size() >= budget_.limits.max_claims) {
      return Status::InvalidArgument(std::string(kPolicyLimitExceeded),
                                     "the policy added more claims than the limit of " +
                                         std::to_string(budget_.limits.max_claims));
    }
    const claims::Issuer issuer(kIssuerAttestationPolicy);
    if (action.kind == ActionKind::kIssue || action.kind == ActionKind::kIssueProperty) {
      if (result_.issued.size() + result_.properties.size() >= budget_.limits.max_issued_claims) {
        return Status::InvalidArgument(std::string(kPolicyLimitExceeded),
                                       "the policy issued more claims than the limit of " +
                                           std::to_string(budget_.limits.max_issued_claims));
      }
      // The issued set ends up in the token: bound it (the value is at most max_value_bytes,
      // so serialising it here is bounded too).
      issued_bytes_ += type.size() + value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size();
      if (issued_bytes_ > budget_.limits.max_issued_bytes) {
        return LimitError(action.pos, "the issued claims exceed " +
                                          std::to_string(budget_.limits.max_issued_bytes) +
                                          " bytes");
      }
      claims::ClaimSet& target =
          action.kind == ActionKind::kIssue ? result_.issued : result_.properties;
      target.Add(type, value, issuer);
    }
    // add, issue and issueproperty all feed later rules (spec §3 "incoming").
    incoming_.push_back(IncomingClaim{
        claims::Claim{std::move(type), std::move(value), issuer}, read_only});
    return Status::Ok();
  }

  // True when a claim the caller gave (the verifier's, the service's) has `type` and `value`:
  // issuing it again changes nothing in the token.
  bool MatchesGivenClaim(const std::string& type, const nlohmann::json& value) const {
    for (size_t k = 0; k < given_; ++k) {
      const claims::Claim& c = incoming_[k].claim;
      if (c.type == type && c.issuer == claims::kIssuerAttestationService && c.value == value) {
        return true;
      }
    }
    return false;
  }

  EvalBudget budget_;
  const ReservedClaims& reserved_;
  size_t given_;  // incoming_[0, given_) came from the caller; the rest the policy added
  size_t issued_bytes_ = 0;
  std::vector<IncomingClaim> incoming_;
  PolicyResult result_;
  bool permit_fired_ = false;
  bool deny_fired_ = false;
  const Rule* rule_ = nullptr;
  size_t snapshot_ = 0;
  std::vector<Binding> bindings_;
};

}  // namespace

StatusOr<PolicyResult> Evaluate(const CompiledPolicy& policy, const claims::ClaimSet& incoming,
                                const EvaluationLimits& limits) {
  return Evaluate(policy, incoming, ReservedClaims{}, limits);
}

StatusOr<PolicyResult> Evaluate(const CompiledPolicy& policy, const claims::ClaimSet& incoming,
                                const ReservedClaims& reserved, const EvaluationLimits& limits) {
  Evaluator evaluator(limits, incoming, reserved);
  return evaluator.Run(policy.ast());
}

}  // namespace attest::policy
