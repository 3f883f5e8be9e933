// The files of api/ui/, embedded into the binary at build time (api/ui_files.cc.in): the page
// is served without anything on disk, so it cannot drift from the binary that answers it.
#pragma once

#include <string_view>

namespace gslb::api {

std::string_view ui_index_html();  // a template: api/ui_page.cc fills in its {{markers}}
std::string_view ui_css();
std::string_view ui_js();

}  // namespace gslb::api
