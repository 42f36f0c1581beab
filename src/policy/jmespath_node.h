// The JMESPath syntax tree shared by the JMESPath parser and interpreter (internal).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace attest::policy::jmespath {

struct Node {
  enum class Kind {
    kField,             // name
    kSubexpression,     // children[0].children[1]
    kIndexExpression,   // children[0] then children[1] (index or slice)
    kIndex,             // index
    kSlice,             // slice
    kProjection,        // children[0] (list) projected through children[1]
    kValueProjection,   // children[0] (object values) projected through children[1]
    kFilterProjection,  // children[0] filtered by children[2], projected through children[1]
    kFlatten,           // children[0]
    kIdentity,          // @ or an implicit current node
    kLiteral,           // literal
    kPipe,
    kOr,
    kAnd,
    kNot,
    kComparator,  // name is the operator
    kMultiSelectList,
    kMultiSelectHash,  // keys[i] -> children[i]
    kFunction,         // name(children...)
    kExpressionRef,    // &children[0]
  };
  Kind kind = Kind::kIdentity;
  std::string name;
  nlohmann::json literal;
  int64_t index = 0;
  std::optional<int64_t> slice[3];
  std::vector<std::unique_ptr<Node>> children;
  std::vector<std::string> keys;
};

}  // namespace attest::policy::jmespath
