// json_quoted: a string as JSON writes it, quotes included ("a\"b\n" → "\"a\\\"b\\n\""), so
// text from a document or a file reads back in a message or a log line as written, and one line
// stays one line. Bytes of 0x80 and above pass through (UTF-8 as it came). Pure function.
#pragma once

#include <string>
#include <string_view>

namespace gslb {

std::string json_quoted(std::string_view s);

}  // namespace gslb
