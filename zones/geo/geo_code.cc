#include "zones/geo/geo_code.h"

namespace gslb {

uint32_t geo_code(std::string_view text) noexcept {
  if (text.empty() || text.size() > 3) return 0;
  uint32_t code = 0;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 'a' && c <= 'z') c = static_cast<unsigned char>(c - 'a' + 'A');
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return 0;
    code = code << 8 | c;
  }
  return code;
}

std::string geo_code_text(uint32_t code) {
  std::string text;
  for (int shift = 24; shift >= 0; shift -= 8) {
    // A code never holds a zero byte between characters: zeros are the unused high bytes.
    if (char c = static_cast<char>((code >> shift) & 0xFF); c != 0) text += c;
  }
  return text;
}

}  // namespace gslb
