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

// --- Added for ZooCore/IO/HDF5File.swift (helper "dataio") ---
static inline hid_t zoo_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t zoo_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t zoo_h5t_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t zoo_h5t_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline size_t zoo_h5t_variable(void) { return H5T_VARIABLE; }
static inline hsize_t zoo_h5s_unlimited(void) { return H5S_UNLIMITED; }
static inline hid_t zoo_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t zoo_h5p_file_access(void) { return H5P_FILE_ACCESS; }

// Number of attributes on an object (H5Oget_info's signature changed in 1.12).
static inline long long zoo_h5_attribute_count(hid_t object) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info3(object, &info, H5O_INFO_NUM_ATTRS) < 0) return -1;
#else
    H5O_info_t info;
    if (H5Oget_info2(object, &info, H5O_INFO_NUM_ATTRS) < 0) return -1;
#endif
    return (long long)info.num_attrs;
}

// The most specific message on this thread's HDF5 error stack ("" when empty), copied into `buffer`.
static herr_t zoo_h5_first_error(unsigned n, const H5E_error2_t *err, void *data) {
    if (n == 0 && err != NULL && err->desc != NULL) {
        char *buffer = (char *)data;
        size_t i = 0;
        for (; i < 255 && err->desc[i] != 0; i++) buffer[i] = err->desc[i];
        buffer[i] = 0;
    }
    return 0;
}
static inline void zoo_h5_error_message(char *buffer /* at least 256 bytes */) {
    buffer[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, zoo_h5_first_error, buffer);
}
