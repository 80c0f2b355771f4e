/* SPDX-License-Identifier: MIT
 * Unit tests of the additive bag API used by the decoder's value path:
 * kv_bag_set_static_key (key not copied) and kv_dyn_bag_sized (entries in
 * the bag's block, growing past the reservation). Expected values are the
 * documented kv_bag_set semantics: insertion order, replace in place. */
#include <string.h>

#include "e2k_test.h"
#include "value/value.h"

static void test_static_keys(void) {
  static const char names[] = "Alpha\0Beta\0Gamma";
  kv_value b = kv_dyn_bag_sized(2);
  kv_bag_set_static_key(b, names, 5, kv_int(1));
  kv_bag_set_static_key(b, names + 6, 4, kv_string("x", 1));
  kv_bag_set(b, "Copied", 6, kv_long(7));
  kv_bag_set_static_key(b, names + 11, 5, kv_bool(true)); /* past the reserved 2 */
  TEST_EQ_INT((long long)kv_bag_count(b), 4);
  const char *k;
  size_t kl;
  kv_value v = kv_bag_entry(b, 0, &k, &kl);
  TEST_CHECK(k == names); /* not copied */
  TEST_EQ_INT((long long)kl, 5);
  TEST_EQ_INT(v.u.i, 1);
  TEST_EQ_INT(v.type, KV_DYNAMIC); /* stored as a dynamic scalar, like kv_bag_set */
  TEST_EQ_INT(v.dyn, KV_INT);
  v = kv_bag_entry(b, 2, &k, &kl);
  TEST_EQ_STR(k, "Copied");
  v = kv_bag_entry(b, 3, &k, &kl);
  TEST_CHECK(k == names + 11);
  TEST_CHECK(v.u.b);
  /* replace keeps position and count */
  kv_bag_set_static_key(b, names + 6, 4, kv_int(42));
  TEST_EQ_INT((long long)kv_bag_count(b), 4);
  v = kv_bag_entry(b, 1, &k, &kl);
  TEST_EQ_STR(k, "Beta");
  TEST_EQ_INT(kv_bag_get(b, "Beta", 4).u.i, 42);
  TEST_CHECK(kv_bag_remove(b, "Alpha", 5));
  TEST_EQ_INT((long long)kv_bag_count(b), 3);
  kv_bag_entry(b, 0, &k, &kl);
  TEST_EQ_STR(k, "Beta");
  kv_release(b);
}

static void test_unterminated_key_copied(void) {
  const char buf[] = "KeyTail"; /* key "Key" has no NUL at key[3] */
  kv_value b = kv_dyn_bag();
  kv_bag_set_static_key(b, buf, 3, kv_int(5));
  const char *k;
  size_t kl;
  kv_bag_entry(b, 0, &k, &kl);
  TEST_CHECK(k != buf);
  TEST_EQ_STR(k, "Key");
  kv_release(b);
}

static void test_many_entries(void) {
  /* grows from inline slots to the heap and past the hash index threshold */
  static char keys[40][8];
  kv_value b = kv_dyn_bag_sized(3);
  for (int i = 0; i < 40; i++) {
    keys[i][0] = 'k';
    keys[i][1] = (char)('0' + i / 10);
    keys[i][2] = (char)('0' + i % 10);
    keys[i][3] = 0;
    kv_bag_set_static_key(b, keys[i], 3, kv_int(i));
  }
  TEST_EQ_INT((long long)kv_bag_count(b), 40);
  TEST_EQ_INT(kv_bag_get(b, "k37", 3).u.i, 37);
  TEST_EQ_INT(kv_bag_get(b, "k00", 3).u.i, 0);
  TEST_CHECK(!kv_bag_has(b, "k40", 3));
  kv_value r = kv_retain(b); /* shared bag: freed once, by the last release */
  kv_release(b);
  TEST_EQ_INT(kv_bag_get(r, "k12", 3).u.i, 12);
  kv_release(r);
  kv_value z = kv_dyn_bag_sized(0);
  kv_bag_set_static_key(z, "only", 4, kv_string_borrowed("s", 1));
  TEST_EQ_STR(kv_bag_get(z, "only", 4).u.s, "s");
  kv_release(z);
}

int main(void) {
  test_static_keys();
  test_unterminated_key_copied();
  test_many_entries();
  return e2k_test_report();
}
