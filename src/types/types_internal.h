/* The rows of the traits table, each defined beside its type's code. */
#ifndef Q35_TYPES_INTERNAL_H
#define Q35_TYPES_INTERNAL_H

#include "q35/types.h"

extern const q35_type_traits q35_traits_f32;
extern const q35_type_traits q35_traits_f16;
extern const q35_type_traits q35_traits_bf16;
extern const q35_type_traits q35_traits_q8_0;
extern const q35_type_traits q35_traits_q35_cb;
extern const q35_type_traits q35_traits_q35_p11;
extern const q35_type_traits q35_traits_q35_s43;

#endif
