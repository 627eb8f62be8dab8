// HDF5's type and flag constants are C macros over *_g globals that Swift cannot import; these inline
// functions expose them.
#include <hdf5.h>
static inline hid_t zoo_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t zoo_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t zoo_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t zoo_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t zoo_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t zoo_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t zoo_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t zoo_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t zoo_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t zoo_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t zoo_h5s_all(void) { return H5S_ALL; }
static inline unsigned zoo_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned zoo_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned zoo_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned zoo_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline void zoo_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
