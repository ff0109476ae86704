// Private to libascendcl_sim.so: the ACL types, enum values and error codes the
// simulator implements, with the values of the real CANN headers
// (acl_base_rt.h, acl_rt.h, error_codes/rt_error_codes.h; see
// /work/shared/reference/ascend-apis.md section 5).
//
// Every constant is listed once, in an X-macro, so that the C++ code and the
// table exported by ascendpySimConstants() (which the Python tests compare with
// ascendpy.runtime._acl) cannot drift apart.
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef int aclError;
typedef void* aclrtStream;
typedef void* aclrtEvent;
typedef void* aclrtContext;
typedef void* aclrtBinHandle;
typedef void* aclrtFuncHandle;
typedef void* aclrtArgsHandle;
typedef void* aclrtParamHandle;

// ---- error codes (acl_base_rt.h, rt_error_codes.h) --------------------------
#define ASCENDPY_ACL_ERROR_CODES(X)                 \
  X(ACL_SUCCESS, 0)                                 \
  X(ACL_ERROR_INVALID_PARAM, 100000)                \
  X(ACL_ERROR_UNINITIALIZE, 100001)                 \
  X(ACL_ERROR_REPEAT_INITIALIZE, 100002)            \
  X(ACL_ERROR_INVALID_FILE, 100003)                 \
  X(ACL_ERROR_KERNEL_NOT_FOUND, 100029)             \
  X(ACL_ERROR_REPEAT_FINALIZE, 100037)              \
  X(ACL_ERROR_BAD_ALLOC, 200000)                    \
  X(ACL_ERROR_API_NOT_SUPPORT, 200001)              \
  X(ACL_ERROR_INVALID_DEVICE, 200002)               \
  X(ACL_ERROR_INVALID_RESOURCE_HANDLE, 200005)      \
  X(ACL_ERROR_FEATURE_UNSUPPORTED, 200006)          \
  X(ACL_ERROR_STORAGE_OVER_LIMIT, 300000)           \
  X(ACL_ERROR_INTERNAL_ERROR, 500000)               \
  X(ACL_ERROR_FAILURE, 500001)                      \
  X(ACL_ERROR_RT_PARAM_INVALID, 107000)             \
  X(ACL_ERROR_RT_INVALID_DEVICEID, 107001)          \
  X(ACL_ERROR_RT_CONTEXT_NULL, 107002)              \
  X(ACL_ERROR_RT_STREAM_CONTEXT, 107003)            \
  X(ACL_ERROR_RT_EVENT_TIMESTAMP_INVALID, 107006)   \
  X(ACL_ERROR_RT_EVENT_TIMESTAMP_REVERSAL, 107007)  \
  X(ACL_ERROR_RT_ADDR_UNALIGNED, 107008)            \
  X(ACL_ERROR_RT_STREAM_ABORT, 107023)              \
  X(ACL_ERROR_RT_FEATURE_NOT_SUPPORT, 207000)       \
  X(ACL_ERROR_RT_MEMORY_ALLOCATION, 207001)         \
  X(ACL_ERROR_RT_MEMORY_FREE, 207002)               \
  X(ACL_ERROR_RT_INTERNAL_ERROR, 507000)            \
  X(ACL_ERROR_RT_EVENT_NOT_COMPLETE, 507006)        \
  X(ACL_ERROR_RT_AICORE_TIMEOUT, 507014)            \
  X(ACL_ERROR_RT_AICORE_EXCEPTION, 507015)          \
  X(ACL_ERROR_RT_AICORE_TRAP_EXCEPTION, 507016)     \
  X(ACL_ERROR_RT_KERNEL_LOOKUP, 507027)             \
  X(ACL_ERROR_RT_VECTOR_CORE_TIMEOUT, 507034)       \
  X(ACL_ERROR_RT_VECTOR_CORE_EXCEPTION, 507035)     \
  X(ACL_ERROR_RT_VECTOR_CORE_TRAP_EXCEPTION, 507036) \
  X(ACL_ERROR_RT_STREAM_SYNC_TIMEOUT, 507046)        \
  X(ACL_ERROR_RT_EVENT_SYNC_TIMEOUT, 507047)

// ---- enum values (acl_rt.h, acl_base_rt.h) ----------------------------------
#define ASCENDPY_ACL_ENUM_VALUES(X)                      \
  /* aclrtMemMallocPolicy */                             \
  X(ACL_MEM_MALLOC_HUGE_FIRST, 0)                        \
  X(ACL_MEM_MALLOC_HUGE_ONLY, 1)                         \
  X(ACL_MEM_MALLOC_NORMAL_ONLY, 2)                       \
  X(ACL_MEM_MALLOC_HUGE_FIRST_P2P, 3)                    \
  X(ACL_MEM_MALLOC_HUGE_ONLY_P2P, 4)                     \
  X(ACL_MEM_MALLOC_NORMAL_ONLY_P2P, 5)                   \
  X(ACL_MEM_MALLOC_HUGE1G_ONLY, 6)                       \
  X(ACL_MEM_MALLOC_HUGE1G_ONLY_P2P, 7)                   \
  X(ACL_MEM_TYPE_LOW_BAND_WIDTH, 0x100)                  \
  X(ACL_MEM_TYPE_HIGH_BAND_WIDTH, 0x1000)                \
  X(ACL_MEM_ACCESS_USER_SPACE_READONLY, 0x100000)        \
  /* aclrtMemcpyKind */                                  \
  X(ACL_MEMCPY_HOST_TO_HOST, 0)                          \
  X(ACL_MEMCPY_HOST_TO_DEVICE, 1)                        \
  X(ACL_MEMCPY_DEVICE_TO_HOST, 2)                        \
  X(ACL_MEMCPY_DEVICE_TO_DEVICE, 3)                      \
  X(ACL_MEMCPY_DEFAULT, 4)                               \
  X(ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE, 5)                 \
  X(ACL_MEMCPY_INNER_DEVICE_TO_DEVICE, 6)                \
  X(ACL_MEMCPY_INTER_DEVICE_TO_DEVICE, 7)                \
  /* aclrtRunMode */                                     \
  X(ACL_DEVICE, 0)                                       \
  X(ACL_HOST, 1)                                         \
  /* event flags */                                      \
  X(ACL_EVENT_SYNC, 0x1)                                 \
  X(ACL_EVENT_CAPTURE_STREAM_PROGRESS, 0x2)              \
  X(ACL_EVENT_TIME_LINE, 0x8)                            \
  X(ACL_EVENT_DEVICE_USE_ONLY, 0x10)                     \
  X(ACL_EVENT_EXTERNAL, 0x20)                            \
  X(ACL_EVENT_IPC, 0x40)                                 \
  /* stream flags */                                     \
  X(ACL_STREAM_FAST_LAUNCH, 0x1)                         \
  X(ACL_STREAM_FAST_SYNC, 0x2)                           \
  X(ACL_STREAM_PERSISTENT, 0x4)                          \
  X(ACL_STREAM_HUGE, 0x8)                                \
  X(ACL_STREAM_CPU_SCHEDULE, 0x10)                       \
  X(ACL_STREAM_DEVICE_USE_ONLY, 0x20)                    \
  /* aclrtEventRecordedStatus */                         \
  X(ACL_EVENT_RECORDED_STATUS_NOT_READY, 0)              \
  X(ACL_EVENT_RECORDED_STATUS_COMPLETE, 1)               \
  /* aclDeviceInfo */                                    \
  X(ACL_DEVICE_INFO_AI_CORE_NUM, 0)                      \
  X(ACL_DEVICE_INFO_VECTOR_CORE_NUM, 1)                  \
  X(ACL_DEVICE_INFO_L2_SIZE, 2)                          \
  /* aclrtDevAttr (9.x aclrtGetDeviceInfo) */            \
  X(ACL_DEV_ATTR_AICORE_CORE_NUM, 101)                   \
  X(ACL_DEV_ATTR_CUBE_CORE_NUM, 102)                     \
  X(ACL_DEV_ATTR_VECTOR_CORE_NUM, 201)                   \
  X(ACL_DEV_ATTR_UBUF_PER_VECTOR_CORE, 204)              \
  X(ACL_DEV_ATTR_TOTAL_GLOBAL_MEM_SIZE, 301)             \
  X(ACL_DEV_ATTR_L2_CACHE_SIZE, 302)                     \
  /* aclrtMemAttr (first and last accepted values) */    \
  X(ACL_DDR_MEM, 0)                                      \
  X(ACL_HBM_MEM, 1)                                      \
  X(ACL_MEM_P2P_HUGE1G, 17)                              \
  /* aclrtBinaryLoadOptionType and magics */             \
  X(ACL_RT_BINARY_LOAD_OPT_LAZY_LOAD, 1)                 \
  X(ACL_RT_BINARY_LOAD_OPT_MAGIC, 2)                     \
  X(ACL_RT_BINARY_LOAD_OPT_CPU_KERNEL_MODE, 3)           \
  X(ACL_RT_BINARY_MAGIC_ELF_AICORE, 0x43554245)          \
  X(ACL_RT_BINARY_MAGIC_ELF_VECTOR_CORE, 0x41415246)     \
  X(ACL_RT_BINARY_MAGIC_ELF_CUBE_CORE, 0x41494343)       \
  /* aclrtLaunchKernelAttrId: accepted range */          \
  X(ACL_RT_LAUNCH_KERNEL_ATTR_SCHEM_MODE, 1)             \
  X(ACL_RT_LAUNCH_KERNEL_ATTR_ENABLE_PROFILING, 9)       \
  /* aclDataType */                                      \
  X(ACL_FLOAT, 0)                                        \
  X(ACL_FLOAT16, 1)                                      \
  X(ACL_INT8, 2)                                         \
  X(ACL_INT32, 3)                                        \
  X(ACL_UINT8, 4)                                        \
  X(ACL_INT16, 6)                                        \
  X(ACL_UINT16, 7)                                       \
  X(ACL_UINT32, 8)                                       \
  X(ACL_INT64, 9)                                        \
  X(ACL_UINT64, 10)                                      \
  X(ACL_DOUBLE, 11)                                      \
  X(ACL_BOOL, 12)                                        \
  X(ACL_BF16, 27)

#define ASCENDPY_ACL_DEFINE_CONSTANT(name, value) constexpr int64_t name = value;
ASCENDPY_ACL_ERROR_CODES(ASCENDPY_ACL_DEFINE_CONSTANT)
ASCENDPY_ACL_ENUM_VALUES(ASCENDPY_ACL_DEFINE_CONSTANT)
#undef ASCENDPY_ACL_DEFINE_CONSTANT

// The C enums are plain ints at the ABI level.
typedef int32_t aclrtMemMallocPolicy;
typedef int32_t aclrtMemcpyKind;
typedef int32_t aclrtMemAttr;
typedef int32_t aclrtEventRecordedStatus;
typedef int32_t aclDeviceInfo;
typedef int32_t aclrtDevAttr;

// ---- structs of the binary route (acl_rt.h; layout identical in 8.1 and 9.x) --
typedef union aclrtBinaryLoadOptionValue {
  uint32_t isLazyLoad;
  uint32_t magic;
  int32_t cpuKernelMode;
  uint32_t rsv[4];
} aclrtBinaryLoadOptionValue;

typedef struct {
  int32_t type;  // aclrtBinaryLoadOptionType
  aclrtBinaryLoadOptionValue value;
} aclrtBinaryLoadOption;

typedef struct aclrtBinaryLoadOptions {
  aclrtBinaryLoadOption* options;
  size_t numOpt;
} aclrtBinaryLoadOptions;

typedef union aclrtLaunchKernelAttrValue {
  uint8_t schemMode;
  uint32_t dynUBufSize;
  uint32_t rsv[4];
} aclrtLaunchKernelAttrValue;

typedef struct aclrtLaunchKernelAttr {
  int32_t id;  // aclrtLaunchKernelAttrId
  aclrtLaunchKernelAttrValue value;
} aclrtLaunchKernelAttr;

typedef struct aclrtLaunchKernelCfg {
  aclrtLaunchKernelAttr* attrs;
  size_t numAttrs;
} aclrtLaunchKernelCfg;
