# Copies the console sources and the browser builds of its libraries into OUTPUT_DIR.
# Inputs: SOURCE_DIR (web/), MODULES_DIR (node_modules of `npm ci`), OUTPUT_DIR.
# Only what this script writes is replaced (CMake keeps its own files in OUTPUT_DIR too).
file(REMOVE_RECURSE ${OUTPUT_DIR}/css ${OUTPUT_DIR}/js ${OUTPUT_DIR}/vendor ${OUTPUT_DIR}/index.html
  ${OUTPUT_DIR}/favicon.svg)
file(MAKE_DIRECTORY ${OUTPUT_DIR}/vendor/highlight/languages ${OUTPUT_DIR}/vendor/fontawesome)

file(COPY ${SOURCE_DIR}/index.html ${SOURCE_DIR}/favicon.svg ${SOURCE_DIR}/css ${SOURCE_DIR}/js
  DESTINATION ${OUTPUT_DIR})

# ES modules and browser bundles, as the packages ship them.
file(COPY_FILE ${MODULES_DIR}/marked/lib/marked.esm.js ${OUTPUT_DIR}/vendor/marked.esm.js)
file(COPY_FILE ${MODULES_DIR}/dompurify/dist/purify.es.mjs ${OUTPUT_DIR}/vendor/purify.es.mjs)
file(COPY_FILE ${MODULES_DIR}/chart.js/dist/chart.umd.js ${OUTPUT_DIR}/vendor/chart.umd.js)
file(COPY ${MODULES_DIR}/@fortawesome/fontawesome-free/css/fontawesome.min.css
  ${MODULES_DIR}/@fortawesome/fontawesome-free/css/solid.min.css
  DESTINATION ${OUTPUT_DIR}/vendor/fontawesome/css)
file(COPY ${MODULES_DIR}/@fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2
  ${MODULES_DIR}/@fortawesome/fontawesome-free/webfonts/fa-solid-900.ttf
  DESTINATION ${OUTPUT_DIR}/vendor/fontawesome/webfonts)
file(COPY_FILE ${MODULES_DIR}/highlight.js/styles/github.min.css
  ${OUTPUT_DIR}/vendor/highlight/github.min.css)
file(COPY_FILE ${MODULES_DIR}/highlight.js/styles/github-dark.min.css
  ${OUTPUT_DIR}/vendor/highlight/github-dark.min.css)

# highlight.js ships its core as CommonJS only; its single export becomes an ES module export.
file(READ ${MODULES_DIR}/highlight.js/lib/core.js _core)
string(FIND "${_core}" "module.exports = highlight;" _at)
if(_at EQUAL -1)
  message(FATAL_ERROR "highlight.js core.js changed shape: no 'module.exports = highlight;'")
endif()
string(REPLACE "module.exports = highlight;" "export default highlight;" _core "${_core}")
file(WRITE ${OUTPUT_DIR}/vendor/highlight/core.js "${_core}")
foreach(lang bash cpp css go java javascript json python rust sql typescript xml yaml)
  file(COPY_FILE ${MODULES_DIR}/highlight.js/es/languages/${lang}.js
    ${OUTPUT_DIR}/vendor/highlight/languages/${lang}.js)
endforeach()
