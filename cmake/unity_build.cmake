# Unity builds (NEXUS_UNITY_BUILD=ON, as `make` builds): each target's sources are compiled in
# batches of NEXUS_UNITY_BATCH_SIZE. Sources of one target that define the same file-local name
# (anonymous namespace or static) must not share a batch; nexus_unity_split() keeps them apart.

# nexus_unity_alone(<target> <source>...): the listed sources (relative to the target's folder, or
# absolute) are compiled on their own, outside every batch.
function(nexus_unity_alone target)
  if(NOT NEXUS_UNITY_BUILD OR NOT TARGET ${target})
    return()
  endif()
  get_target_property(dir ${target} SOURCE_DIR)
  foreach(src ${ARGN})
    if(NOT IS_ABSOLUTE ${src})
      set(src ${dir}/${src})
    endif()
    set_property(SOURCE ${src} TARGET_DIRECTORY ${target}
      PROPERTY SKIP_UNITY_BUILD_INCLUSION ON)
  endforeach()
endfunction()

# nexus_unity_split(<target> <source>...): each listed source (relative to the target's folder)
# opens its own batch, and the target's other sources are spread over those batches in turn.
function(nexus_unity_split target)
  if(NOT NEXUS_UNITY_BUILD OR NOT TARGET ${target})
    return()
  endif()
  get_target_property(dir ${target} SOURCE_DIR)
  get_target_property(sources ${target} SOURCES)
  set(apart)
  foreach(src ${ARGN})
    list(APPEND apart ${dir}/${src})
  endforeach()
  list(LENGTH apart batches)
  set(next 0)
  foreach(src ${sources})
    if(src MATCHES "^\\$<")
      continue()
    endif()
    if(NOT IS_ABSOLUTE ${src})
      set(src ${dir}/${src})
    endif()
    list(FIND apart ${src} batch)
    if(batch LESS 0)
      math(EXPR batch "${next} % ${batches}")
      math(EXPR next "${next} + 1")
    endif()
    set_property(SOURCE ${src} TARGET_DIRECTORY ${target} PROPERTY UNITY_GROUP ${target}_${batch})
  endforeach()
  set_target_properties(${target} PROPERTIES UNITY_BUILD_MODE GROUP)
endfunction()

# The tokenizer's generated rank tables (.incbin of a file packed beside them, OBJECT_DEPENDS on
# it) stay apart, so that a repacked table recompiles only its own source.
if(TARGET nexus_tokenizer)
  get_target_property(_sources nexus_tokenizer SOURCES)
  list(FILTER _sources INCLUDE REGEX "^${PROJECT_BINARY_DIR}/")
  nexus_unity_alone(nexus_tokenizer ${_sources})
endif()

# Which source clashes with which, and over what name.
# nexus_ctl_lib: every command file has its own kUsage, flag tables and Add/List/... handlers.
nexus_unity_split(nexus_ctl_lib backup_command.cc usage_command.cc keys_command.cc
  models_command.cc providers_command.cc)
# registry.cc (kMasterKeyCheckSetting), sqlite_registry_store.cc (BindBlob).
nexus_unity_alone(nexus_registry_lib store/key_material.cc)
# chat_stream_relay.cc (Trim).
nexus_unity_alone(nexus_gateway_upstream http1_connection.cc)
# registry/domain/registry_test.cc (KeyOf).
nexus_unity_alone(registry_test store/key_material_test.cc)
# store/sqlite_usage_store_test.cc (kT0).
nexus_unity_alone(stats_test store/usage_property_test.cc)
# grpc/server_runner_test.cc (IdleService).
nexus_unity_alone(services_test grpc/tls_credentials_test.cc)
# maintenance/maintenance_grpc_service_test.cc (kSchema).
nexus_unity_alone(maintenance_test maintenance/offline_command_test.cc)
# admin_json.cc (Invalid).
nexus_unity_alone(nexus_gateway_admin admin_query.cc)
# Each fault suite file has its own kGuard.
nexus_unity_split(fault_injection_test drain_test.cc registry_outage_test.cc spool_full_test.cc
  stats_outage_test.cc upstream_faults_test.cc)
# caching_concurrency_test.cc (Event).
nexus_unity_alone(gateway_auth_hermetic_test registry_concurrency_test.cc)
