// The error every parser in feeds/parse throws for a document it cannot read at all.
#pragma once

#include <stdexcept>
#include <string>

namespace vw {

/// The document as a whole is unusable: not well-formed XML, an unbound namespace prefix, not
/// the expected format, or an API error response. Nothing partial is returned with it. (A bad
/// item inside a readable document is an ItemProblem instead, see feeds/source.h.)
class ParseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace vw
