// JMESPath lexer and Pratt parser, after the JMESPath specification's grammar and the
// binding powers of its reference implementation.
#include "policy/jmespath.h"

#include <charconv>
#include <string>
#include <vector>

#include "policy/jmespath_lexer.h"
#include "policy/jmespath_node.h"

namespace attest::policy::jmespath {
namespace {

int BindingPower(Tok t) {
  switch (t) {
    case Tok::kPipe:
      return 1;
    case Tok::kOr:
      return 2;
    case Tok::kAnd:
      return 3;
    case Tok::kEq:
    case Tok::kNe:
    case Tok::kLt:
    case Tok::kLe:
    case Tok::kGt:
    case Tok::kGe:
      return 5;
    case Tok::kFlatten:
      return 9;
    case Tok::kStar:
      return 20;
    case Tok::kFilter:
      return 21;
    case Tok::kDot:
      return 40;
    case Tok::kNot:
      return 45;
    case Tok::kLBrace:
      return 50;
    case Tok::kLBracket:
      return 55;
    case Tok::kLParen:
      return 60;
    default:
      return 0;
  }
}

using NodePtr = std::unique_ptr<Node>;

NodePtr Make(Node::Kind kind) {
  auto n = std::make_unique<Node>();
  n->kind = kind;
  return n;
}
NodePtr Make(Node::Kind kind, NodePtr a, NodePtr b) {
  NodePtr n = Make(kind);
  n->children.push_back(std::move(a));
  n->children.push_back(std::move(b));
  return n;
}

constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  StatusOr<NodePtr> Run() {
    ATTEST_ASSIGN_OR_RETURN(NodePtr n, Expression(0));
    if (Cur().kind != Tok::kEof) return Err(Unexpected());
    return n;
  }

 private:
  const Token& Cur() const { return t_[p_]; }
  const Token& Ahead(size_t n) const { return t_[std::min(p_ + n, t_.size() - 1)]; }
  void Next() {
    if (p_ + 1 < t_.size()) ++p_;
  }
  Status Unexpected() const {
    return SyntaxError(Cur().offset, Cur().kind == Tok::kEof
                                         ? "unexpected end of query"
                                         : "unexpected token '" + Cur().text + "'");
  }
  Status Match(Tok kind, std::string_view what) {
    if (Cur().kind != kind) {
      return SyntaxError(Cur().offset, "expected " + std::string(what));
    }
    Next();
    return Status::Ok();
  }

  StatusOr<NodePtr> Expression(int bp) {
    if (++depth_ > kMaxDepth) return Err(SyntaxError(Cur().offset, "query nested too deeply"));
    Token tok = Cur();
    Next();
    ATTEST_ASSIGN_OR_RETURN(NodePtr left, Nud(tok));
    while (bp < BindingPower(Cur().kind)) {
      Token op = Cur();
      Next();
      ATTEST_ASSIGN_OR_RETURN(left, Led(op, std::move(left)));
    }
    --depth_;
    return left;
  }

  StatusOr<NodePtr> Nud(const Token& tok) {
    switch (tok.kind) {
      case Tok::kLiteral: {
        NodePtr n = Make(Node::Kind::kLiteral);
        n->literal = tok.value;
        return n;
      }
      case Tok::kIdent:
      case Tok::kQuotedIdent: {
        if (tok.kind == Tok::kQuotedIdent && Cur().kind == Tok::kLParen) {
          return Err(SyntaxError(tok.offset, "quoted identifiers cannot name functions"));
        }
        NodePtr n = Make(Node::Kind::kField);
        n->name = tok.text;
        return n;
      }
      case Tok::kStar: {
        NodePtr right;
        if (Cur().kind == Tok::kRBracket) {
          right = Make(Node::Kind::kIdentity);
        } else {
          ATTEST_ASSIGN_OR_RETURN(right, ProjectionRhs(BindingPower(Tok::kStar)));
        }
        return Make(Node::Kind::kValueProjection, Make(Node::Kind::kIdentity), std::move(right));
      }
      case Tok::kFilter:
        return FilterLed(Make(Node::Kind::kIdentity));
      case Tok::kLBrace:
        return MultiSelectHash();
      case Tok::kLParen: {
        ATTEST_ASSIGN_OR_RETURN(NodePtr e, Expression(0));
        ATTEST_RETURN_IF_ERROR(Match(Tok::kRParen, "')'"));
        return e;
      }
      case Tok::kFlatten: {
        NodePtr left = Make(Node::Kind::kFlatten);
        left->children.push_back(Make(Node::Kind::kIdentity));
        ATTEST_ASSIGN_OR_RETURN(NodePtr right, ProjectionRhs(BindingPower(Tok::kFlatten)));
        return Make(Node::Kind::kProjection, std::move(left), std::move(right));
      }
      case Tok::kNot: {
        ATTEST_ASSIGN_OR_RETURN(NodePtr e, Expression(BindingPower(Tok::kNot)));
        NodePtr n = Make(Node::Kind::kNot);
        n->children.push_back(std::move(e));
        return n;
      }
      case Tok::kLBracket:
        if (Cur().kind == Tok::kNumber || Cur().kind == Tok::kColon) {
          ATTEST_ASSIGN_OR_RETURN(NodePtr right, IndexExpression());
          return ProjectIfSlice(Make(Node::Kind::kIdentity), std::move(right));
        }
        if (Cur().kind == Tok::kStar && Ahead(1).kind == Tok::kRBracket) {
          Next();
          Next();
          ATTEST_ASSIGN_OR_RETURN(NodePtr right, ProjectionRhs(BindingPower(Tok::kStar)));
          return Make(Node::Kind::kProjection, Make(Node::Kind::kIdentity), std::move(right));
        }
        return MultiSelectList();
      case Tok::kCurrent:
        return Make(Node::Kind::kIdentity);
      case Tok::kExpref: {
        ATTEST_ASSIGN_OR_RETURN(NodePtr e, Expression(0));
        NodePtr n = Make(Node::Kind::kExpressionRef);
        n->children.push_back(std::move(e));
        return n;
      }
      default:
        return Err(SyntaxError(tok.offset, tok.kind == Tok::kEof
                                               ? "unexpected end of query"
                                               : "unexpected token '" + tok.text + "'"));
    }
  }

  StatusOr<NodePtr> Led(const Token& op, NodePtr left) {
    switch (op.kind) {
      case Tok::kDot:
        if (Cur().kind == Tok::kStar) {
          Next();
          ATTEST_ASSIGN_OR_RETURN(NodePtr right, ProjectionRhs(BindingPower(Tok::kDot)));
          return Make(Node::Kind::kValueProjection, std::move(left), std::move(right));
        } else {
          ATTEST_ASSIGN_OR_RETURN(NodePtr right, DotRhs(BindingPower(Tok::kDot)));
          return Make(Node::Kind::kSubexpression, std::move(left), std::move(right));
        }
      case Tok::kPipe:
      case Tok::kOr:
      case Tok::kAnd: {
        ATTEST_ASSIGN_OR_RETURN(NodePtr right, Expression(BindingPower(op.kind)));
        Node::Kind kind = op.kind == Tok::kPipe ? Node::Kind::kPipe
                          : op.kind == Tok::kOr ? Node::Kind::kOr
                                                : Node::Kind::kAnd;
        return Make(kind, std::move(left), std::move(right));
      }
      case Tok::kLParen: {
        if (left->kind != Node::Kind::kField) {
          return Err(SyntaxError(op.offset, "'(' must follow a function name"));
        }
        NodePtr fn = Make(Node::Kind::kFunction);
        fn->name = left->name;
        while (Cur().kind != Tok::kRParen) {
          ATTEST_ASSIGN_OR_RETURN(NodePtr arg, Expression(0));
          fn->children.push_back(std::move(arg));
          if (Cur().kind == Tok::kComma) {
            Next();
          } else if (Cur().kind != Tok::kRParen) {
            return Err(SyntaxError(Cur().offset, "expected ',' or ')' in function arguments"));
          }
        }
        Next();
        return fn;
      }
      case Tok::kFilter:
        return FilterLed(std::move(left));
      case Tok::kEq:
      case Tok::kNe:
      case Tok::kLt:
      case Tok::kLe:
      case Tok::kGt:
      case Tok::kGe: {
        ATTEST_ASSIGN_OR_RETURN(NodePtr right, Expression(BindingPower(op.kind)));
        NodePtr n = Make(Node::Kind::kComparator, std::move(left), std::move(right));
        n->name = op.text;
        return n;
      }
      case Tok::kFlatten: {
        NodePtr flat = Make(Node::Kind::kFlatten);
        flat->children.push_back(std::move(left));
        ATTEST_ASSIGN_OR_RETURN(NodePtr right, ProjectionRhs(BindingPower(Tok::kFlatten)));
        return Make(Node::Kind::kProjection, std::move(flat), std::move(right));
      }
      case Tok::kLBracket:
        if (Cur().kind == Tok::kNumber || Cur().kind == Tok::kColon) {
          ATTEST_ASSIGN_OR_RETURN(NodePtr right, IndexExpression());
          return ProjectIfSlice(std::move(left), std::move(right));
        } else {
          ATTEST_RETURN_IF_ERROR(Match(Tok::kStar, "a number, ':' or '*' after '['"));
          ATTEST_RETURN_IF_ERROR(Match(Tok::kRBracket, "']'"));
          ATTEST_ASSIGN_OR_RETURN(NodePtr right, ProjectionRhs(BindingPower(Tok::kStar)));
          return Make(Node::Kind::kProjection, std::move(left), std::move(right));
        }
      default:
        return Err(SyntaxError(op.offset, "unexpected token '" + op.text + "'"));
    }
  }

  StatusOr<NodePtr> FilterLed(NodePtr left) {
    ATTEST_ASSIGN_OR_RETURN(NodePtr condition, Expression(0));
    ATTEST_RETURN_IF_ERROR(Match(Tok::kRBracket, "']' to close the filter"));
    NodePtr right;
    if (Cur().kind == Tok::kFlatten) {
      right = Make(Node::Kind::kIdentity);
    } else {
      ATTEST_ASSIGN_OR_RETURN(right, ProjectionRhs(BindingPower(Tok::kFilter)));
    }
    NodePtr n = Make(Node::Kind::kFilterProjection, std::move(left), std::move(right));
    n->children.push_back(std::move(condition));
    return n;
  }

  StatusOr<NodePtr> IndexExpression() {
    if (Cur().kind == Tok::kColon || Ahead(1).kind == Tok::kColon) {
      NodePtr n = Make(Node::Kind::kSlice);
      int part = 0;
      while (Cur().kind != Tok::kRBracket && part < 3) {
        if (Cur().kind == Tok::kColon) {
          if (++part == 3) return Err(SyntaxError(Cur().offset, "too many ':' in a slice"));
          Next();
        } else if (Cur().kind == Tok::kNumber) {
          n->slice[part] = Cur().value.get<int64_t>();
          Next();
        } else {
          return Err(Unexpected());
        }
      }
      ATTEST_RETURN_IF_ERROR(Match(Tok::kRBracket, "']' to close the slice"));
      return n;
    }
    NodePtr n = Make(Node::Kind::kIndex);
    n->index = Cur().value.get<int64_t>();
    Next();
    ATTEST_RETURN_IF_ERROR(Match(Tok::kRBracket, "']' after the index"));
    return n;
  }

  StatusOr<NodePtr> ProjectIfSlice(NodePtr left, NodePtr right) {
    bool slice = right->kind == Node::Kind::kSlice;
    NodePtr index = Make(Node::Kind::kIndexExpression, std::move(left), std::move(right));
    if (!slice) return index;
    ATTEST_ASSIGN_OR_RETURN(NodePtr rhs, ProjectionRhs(BindingPower(Tok::kStar)));
    return Make(Node::Kind::kProjection, std::move(index), std::move(rhs));
  }

  StatusOr<NodePtr> MultiSelectList() {
    NodePtr n = Make(Node::Kind::kMultiSelectList);
    for (;;) {
      ATTEST_ASSIGN_OR_RETURN(NodePtr e, Expression(0));
      n->children.push_back(std::move(e));
      if (Cur().kind == Tok::kRBracket) break;
      ATTEST_RETURN_IF_ERROR(Match(Tok::kComma, "',' or ']' in a multi-select list"));
    }
    Next();
    return n;
  }

  StatusOr<NodePtr> MultiSelectHash() {
    NodePtr n = Make(Node::Kind::kMultiSelectHash);
    for (;;) {
      if (Cur().kind != Tok::kIdent && Cur().kind != Tok::kQuotedIdent) {
        return Err(SyntaxError(Cur().offset, "expected a key in a multi-select hash"));
      }
      n->keys.push_back(Cur().text);
      Next();
      ATTEST_RETURN_IF_ERROR(Match(Tok::kColon, "':' after the key"));
      ATTEST_ASSIGN_OR_RETURN(NodePtr e, Expression(0));
      n->children.push_back(std::move(e));
      if (Cur().kind == Tok::kComma) {
        Next();
      } else {
        ATTEST_RETURN_IF_ERROR(Match(Tok::kRBrace, "',' or '}' in a multi-select hash"));
        return n;
      }
    }
  }

  StatusOr<NodePtr> ProjectionRhs(int bp) {
    if (BindingPower(Cur().kind) < 10) return Make(Node::Kind::kIdentity);
    if (Cur().kind == Tok::kLBracket || Cur().kind == Tok::kFilter) return Expression(bp);
    if (Cur().kind == Tok::kDot) {
      Next();
      return DotRhs(bp);
    }
    return Err(Unexpected());
  }

  StatusOr<NodePtr> DotRhs(int bp) {
    switch (Cur().kind) {
      case Tok::kIdent:
      case Tok::kQuotedIdent:
      case Tok::kStar:
        return Expression(bp);
      case Tok::kLBracket:
        Next();
        return MultiSelectList();
      case Tok::kLBrace:
        Next();
        return MultiSelectHash();
      default:
        return Err(SyntaxError(Cur().offset, "expected an identifier, '*', '[' or '{' after '.'"));
    }
  }

  std::vector<Token> t_;
  size_t p_ = 0;
  int depth_ = 0;
};

}  // namespace

StatusOr<Expression> Compile(std::string_view query) {
  if (query.size() > 8 * 1024) return Err(SyntaxError(0, "query longer than 8 KiB"));
  ATTEST_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(query));
  ATTEST_ASSIGN_OR_RETURN(NodePtr root, Parser(std::move(tokens)).Run());
  Expression e;
  e.root_ = std::shared_ptr<const Node>(std::move(root));
  return e;
}

}  // namespace attest::policy::jmespath
