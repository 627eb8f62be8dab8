// libpng's simplified API (png_image_*) reports errors through return values, so Swift needs no setjmp.
#include <png.h>
static inline png_uint_32 zoo_png_image_version(void) { return PNG_IMAGE_VERSION; }
static inline png_uint_32 zoo_png_format_gray(void) { return PNG_FORMAT_GRAY; }
static inline png_uint_32 zoo_png_format_rgb(void) { return PNG_FORMAT_RGB; }
static inline png_uint_32 zoo_png_format_rgba(void) { return PNG_FORMAT_RGBA; }
static inline const char *zoo_png_version_string(void) { return PNG_LIBPNG_VER_STRING; }
