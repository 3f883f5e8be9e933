// Table: rows of text cells printed as aligned columns for `-o table`. The header comes first;
// columns are two spaces apart; widths count UTF-8 code points; no trailing blanks.
// Thread-compatible value type.
#pragma once

#include <string>
#include <vector>

namespace gslbctl {

class Table {
 public:
  // An empty header prints no header line (summary blocks).
  explicit Table(std::vector<std::string> header);

  // Short rows are padded with empty cells; long rows widen the table.
  void add_row(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }

  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace gslbctl
