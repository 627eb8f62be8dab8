// Per-thread autodiff recording switch: ops record tape nodes only while it is on. A C thread-local keeps
// the check on every op to one load, with no Swift global state.
#include "zoo_support.h"
static __thread int recording_disabled = 0;
int zoo_grad_recording(void) { return !recording_disabled; }
int zoo_set_grad_recording(int on) {
    int previous = !recording_disabled;
    recording_disabled = !on;
    return previous;
}
