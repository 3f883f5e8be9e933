#include "tools/gslbctl/table.h"

#include <algorithm>

namespace gslbctl {

namespace {

size_t display_width(const std::string& s) {
  // Count code points: every byte that is not a UTF-8 continuation byte.
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

Table::Table(std::vector<std::string> header) : header_(std::move(header)) {}

void Table::add_row(std::vector<std::string> cells) {
  rows_.push_back(std::move(cells));
}

std::string Table::render() const {
  std::vector<const std::vector<std::string>*> lines;
  if (!header_.empty()) lines.push_back(&header_);
  for (const auto& r : rows_) lines.push_back(&r);
  std::vector<size_t> widths;
  for (const auto* line : lines) {
    if (line->size() > widths.size()) widths.resize(line->size(), 0);
    for (size_t i = 0; i < line->size(); ++i)
      widths[i] = std::max(widths[i], display_width((*line)[i]));
  }
  std::string out;
  for (const auto* line : lines) {
    std::string text;
    for (size_t i = 0; i < line->size(); ++i) {
      if (i > 0) text += "  ";
      text += (*line)[i];
      if (i + 1 < line->size()) text.append(widths[i] - display_width((*line)[i]), ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  return out;
}

}  // namespace gslbctl
