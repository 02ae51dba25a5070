# Sets MEMORY_BASELINE_CHART_JS to Chart.js 3.9.1's chart.min.js, which report.html embeds: Debian's
# libjs-chart.js where it is installed; elsewhere (Windows, MSVC) the same file, byte for byte,
# from the npm registry's chart.js-3.9.1 package, checked by its hashes.
set(CHART_JS_FILE_SHA256 fbc45926e6b46845a0f905552a0e0b1331049bff1115ecf94dbe0904d895e710)
find_file(MEMORY_BASELINE_CHART_JS chart.min.js PATHS /usr/share/javascript/chart.js
          NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
if(NOT MEMORY_BASELINE_CHART_JS)
  set(chart_js_package ${CMAKE_BINARY_DIR}/_deps/chart.js-3.9.1.tgz)
  message(STATUS "Chart.js: downloading chart.js-3.9.1 from the npm registry")
  file(DOWNLOAD https://registry.npmjs.org/chart.js/-/chart.js-3.9.1.tgz ${chart_js_package}
       EXPECTED_HASH SHA256=111e0751796f087a51e94dfed910ccfb1278fd30e584a6e48514dba9ae7e72c6
       STATUS chart_js_download)
  list(GET chart_js_download 0 chart_js_status)
  if(NOT chart_js_status EQUAL 0)
    message(FATAL_ERROR "Chart.js: download failed (${chart_js_download}); install Debian's "
                        "libjs-chart.js or pass -DMEMORY_BASELINE_CHART_JS=path/to/chart.min.js")
  endif()
  file(ARCHIVE_EXTRACT INPUT ${chart_js_package} DESTINATION ${CMAKE_BINARY_DIR}/_deps/chart.js
       PATTERNS package/dist/chart.min.js)
  set(MEMORY_BASELINE_CHART_JS ${CMAKE_BINARY_DIR}/_deps/chart.js/package/dist/chart.min.js
      CACHE FILEPATH "Chart.js 3.9.1 chart.min.js" FORCE)
endif()
file(SHA256 ${MEMORY_BASELINE_CHART_JS} chart_js_sha256)
if(NOT chart_js_sha256 STREQUAL CHART_JS_FILE_SHA256)
  message(FATAL_ERROR "${MEMORY_BASELINE_CHART_JS} is not Chart.js 3.9.1's chart.min.js (SHA-256 ${chart_js_sha256})")
endif()
