/* The grid tables of the product code and the split code, checked against their
 * definitions by Frama-C WP (scripts/prove_wp.sh); not compiled into q35. WP reads the
 * const tables' initializers; the quantifiers over the 128 codes are unfolded into 128
 * ground facts each (-wp-bound-forall-unfolding 128). */
#include "format/grids.h"

/*@ assigns \nothing;
    ensures p11_0: \forall integer c; 0 <= c < 32 ==>
      (q35_product_valid(c) ==> q35_grid_p11[c][0] == q35_product_a(c) && q35_grid_p11[c][1] == q35_product_b(c)) &&
      (!q35_product_valid(c) ==> q35_grid_p11[c][0] == 0 && q35_grid_p11[c][1] == 0);
    ensures p11_1: \forall integer c; 32 <= c < 64 ==>
      (q35_product_valid(c) ==> q35_grid_p11[c][0] == q35_product_a(c) && q35_grid_p11[c][1] == q35_product_b(c)) &&
      (!q35_product_valid(c) ==> q35_grid_p11[c][0] == 0 && q35_grid_p11[c][1] == 0);
    ensures p11_2: \forall integer c; 64 <= c < 96 ==>
      (q35_product_valid(c) ==> q35_grid_p11[c][0] == q35_product_a(c) && q35_grid_p11[c][1] == q35_product_b(c)) &&
      (!q35_product_valid(c) ==> q35_grid_p11[c][0] == 0 && q35_grid_p11[c][1] == 0);
    ensures p11_3: \forall integer c; 96 <= c < 128 ==>
      (q35_product_valid(c) ==> q35_grid_p11[c][0] == q35_product_a(c) && q35_grid_p11[c][1] == q35_product_b(c)) &&
      (!q35_product_valid(c) ==> q35_grid_p11[c][0] == 0 && q35_grid_p11[c][1] == 0);
    ensures s43: \forall integer c; 0 <= c < 128 ==>
      q35_grid_s43[c][0] == c / 8 - 8 && q35_grid_s43[c][1] == c % 8 - 4; */
void q35_wp_grids(void) {}
