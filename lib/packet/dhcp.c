/* stub: being written */
#include "core/internal.h"
