// Fuzz target: the API's token file (api/tokens/token_file.h). A file it accepts grants each of
// its plain tokens; a header value it did not list grants nothing.
#include <cctype>
#include <string>
#include <vector>

#include "api/tokens/token_file.h"
#include "tests/fuzz/fuzz_scratch.h"

namespace {

// The fields of a line as the format defines them: words split at white space, "#" to the end
// of the line a comment.
std::vector<std::string> words(std::string_view line) {
  line = line.substr(0, line.find('#'));
  std::vector<std::string> out;
  std::string w;
  for (char c : line) {
    if (isspace(static_cast<unsigned char>(c))) {
      if (!w.empty()) out.push_back(std::move(w));
      w.clear();
    } else {
      w.push_back(c);
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = gslb::api::TokenFile::parse(text, "tokens");
  if (!file) {
    if (file.error().rfind("tokens", 0) != 0)
      gslb::fuzz::fail("fuzz_token_file", "an error that does not name the file: " + file.error());
    return 0;
  }
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::vector<std::string> w = words(text.substr(pos, end - pos));
    pos = end + 1;
    if (w.size() != 2 || w[1].rfind("sha256:", 0) == 0) continue;
    if (!file->grant_of("Bearer " + w[1]))
      gslb::fuzz::fail("fuzz_token_file", "a listed token is not granted: " + w[1]);
  }
  if (file->grant_of("Bearer fuzz-token-no-file-lists\x01"))
    gslb::fuzz::fail("fuzz_token_file", "an unlisted token is granted");
  return 0;
}
