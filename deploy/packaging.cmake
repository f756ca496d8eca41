# Debian packages (CPack DEB), included by the top-level CMakeLists.txt:
#   tumen-agent       tumen-agent (the daemon), tumen-probe (trace, ping, decode), tumen-agent.service, example agent.yaml (postinst: setcap)
#   tumen-controller  tumen-controller, tumen-controller.service, example controller.yaml,
#                     campaigns (schedules/), Prometheus rules, Grafana dashboard
# Build:  cmake --build BUILD --target tumen-probe tumen-agent tumen-controller && (cd BUILD && cpack -G DEB)
# See docs/deploy.md.
include_guard(GLOBAL)

set(_tumen_root "${CMAKE_CURRENT_LIST_DIR}/..")
set(_tumen_deploy "${CMAKE_CURRENT_LIST_DIR}")

# Binaries, by target name when the component defines the target.
foreach(_pair "tumen-probe;agent" "tumen-agent;agent" "tumen-controller;controller")
  list(GET _pair 0 _target)
  list(GET _pair 1 _component)
  install(TARGETS ${_target} RUNTIME DESTINATION bin COMPONENT ${_component})
endforeach()

# systemd units (DynamicUser: no system user to create).
install(FILES "${_tumen_deploy}/systemd/tumen-agent.service" DESTINATION lib/systemd/system COMPONENT agent)
install(FILES "${_tumen_deploy}/systemd/tumen-controller.service" DESTINATION lib/systemd/system
        COMPONENT controller)

# Example configurations (postinst copies them to /etc/tumen once) and the deployment guide.
foreach(_component agent controller)
  install(FILES "${_tumen_deploy}/config/${_component}.yaml"
          DESTINATION share/doc/tumen-${_component}/examples COMPONENT ${_component})
  install(FILES "${_tumen_root}/docs/deploy.md" DESTINATION share/doc/tumen-${_component}
          COMPONENT ${_component})
endforeach()

# Controller data: campaigns, monitoring configuration.
install(DIRECTORY "${_tumen_root}/schedules/" DESTINATION share/tumen/schedules COMPONENT controller
        FILES_MATCHING PATTERN "*.yaml")
install(FILES "${_tumen_deploy}/prometheus/prometheus.yml" "${_tumen_deploy}/prometheus/tumen-rules.yml"
              "${_tumen_deploy}/prometheus/tumen-agents.yml"
        DESTINATION share/tumen/prometheus COMPONENT controller)
install(FILES "${_tumen_deploy}/grafana/tumen-border.json" DESTINATION share/tumen/grafana
        COMPONENT controller)

# cpack runs the `preinstall` target, which by default builds `all` (every test, bench and
# fuzz target). Packages need only the three binaries: build them first (see above).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# CPack.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "tumen")
set(CPACK_PACKAGE_VENDOR "tumen")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "tumen maintainers <tumen@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
# Only our two components: install() rules of other parts (if any) stay out of the packages.
set(CPACK_COMPONENTS_ALL agent controller)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/tumen")
# Library dependencies from dpkg-shlibdeps (package dpkg-dev) when it is there.
find_program(TUMEN_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(TUMEN_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  message(STATUS "packaging: dpkg-shlibdeps not found (dpkg-dev); library dependencies use the explicit lists")
  set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS
      "libtins4.0, libpcap0.8, libyaml-cpp0.7, libprometheus-cpp-pull1.0, libprometheus-cpp-core1.0, libssl3, libspdlog1.10, libstdc++6")
  set(CPACK_DEBIAN_CONTROLLER_PACKAGE_DEPENDS
      "libsqlite3-0, libpqxx-6.4, libpq5, libyaml-cpp0.7, libprometheus-cpp-pull1.0, libprometheus-cpp-core1.0, libssl3, libspdlog1.10, libjemalloc2, libstdc++6")
endif()

# Maintainer scripts live in deploy/packaging/<component>/ (the file names are the control names).
set(CPACK_DEBIAN_AGENT_PACKAGE_NAME "tumen-agent")
set(CPACK_COMPONENT_AGENT_DESCRIPTION
    "tumen agent: flow-stable (Paris) traceroutes and pings from a vantage point\n The agent runs the campaign its controller assigns, spools the results and uploads\n them. It needs only CAP_NET_RAW.")
# postinst runs setcap (libcap2-bin); dpkg-shlibdeps adds the library dependencies to these.
if(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS)
  string(PREPEND CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS "libcap2-bin, ")
else()
  set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS "libcap2-bin")
endif()
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA
    "${_tumen_deploy}/packaging/agent/postinst;${_tumen_deploy}/packaging/agent/prerm;${_tumen_deploy}/packaging/agent/postrm")

set(CPACK_DEBIAN_CONTROLLER_PACKAGE_NAME "tumen-controller")
set(CPACK_COMPONENT_CONTROLLER_DESCRIPTION
    "tumen controller: border-path inference from many vantage points\n Maps traceroute hops to ASes, decides the border path per agent and target,\n detects changes, serves an HTTP API and Prometheus metrics, stores results in SQLite.")
# The controller's page serves d3 and Chart.js from these packages (/ui/lib/).
if(CPACK_DEBIAN_CONTROLLER_PACKAGE_DEPENDS)
  string(PREPEND CPACK_DEBIAN_CONTROLLER_PACKAGE_DEPENDS "libjs-d3, libjs-chart.js, ")
else()
  set(CPACK_DEBIAN_CONTROLLER_PACKAGE_DEPENDS "libjs-d3, libjs-chart.js")
endif()
set(CPACK_DEBIAN_CONTROLLER_PACKAGE_CONTROL_EXTRA
    "${_tumen_deploy}/packaging/controller/postinst;${_tumen_deploy}/packaging/controller/prerm;${_tumen_deploy}/packaging/controller/postrm")

include(CPack)
