# Writes OUTPUT, a C++ header holding INPUT (web/openapi.json) as a raw string literal (run by
# web/CMakeLists.txt at build time: cmake -DINPUT=… -DOUTPUT=… -P this).
file(READ ${INPUT} text)
set(delimiter "vwapi")
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${INPUT} contains )${delimiter}\" and cannot be embedded")
endif()
set(body "// Generated from web/openapi.json by web/openapi_embed.cmake. Do not edit: edit the JSON.\n")
string(APPEND body "#pragma once\n\n#include <string_view>\n\nnamespace vw::web {\n\n")
string(APPEND body "inline constexpr std::string_view kOpenApiJson = R\"${delimiter}(${text})${delimiter}\";\n\n")
string(APPEND body "} // namespace vw::web\n")
file(WRITE ${OUTPUT} "${body}")
