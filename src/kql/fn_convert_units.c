/* SPDX-License-Identifier: MIT
 * convert_angle/energy/force/length/mass/speed/temperature/volume(value,
 * from, to). Kusto's unit names and factors are those of the UnitsNet
 * library (its approximate constants too: AcreFoot = 1/0.000810714 m3,
 * emulator:convert-volume-function-00). Every unit is linear to the base
 * unit (base = x * mul + add); an unknown unit gives null (documented).
 * Angle 'Tilt' (not linear) is "not supported yet". Owner: scalars. */
#include <math.h>
#include <string.h>

#include "kql/fn_scalars.h"

typedef struct kql_unit {
  const char *name;
  double mul; /* base = x * mul + add */
  double add;
} kql_unit;

#define U(n, m) {n, (m), 0.0}
#define PI_ 3.14159265358979323846

static const kql_unit kql_units_angle[] = {
    U("Degree", 1), U("Microdegree", 1e-6), U("Millidegree", 1e-3), U("Nanodegree", 1e-9),
    U("Radian", 180 / PI_), U("Centiradian", 1e-2 * 180 / PI_), U("Deciradian", 1e-1 * 180 / PI_),
    U("Microradian", 1e-6 * 180 / PI_), U("Milliradian", 1e-3 * 180 / PI_),
    U("Nanoradian", 1e-9 * 180 / PI_), U("Arcminute", 1.0 / 60), U("Arcsecond", 1.0 / 3600),
    U("Gradian", 0.9), U("NatoMil", 9.0 / 160), U("Revolution", 360), {NULL, 0, 0}};

static const kql_unit kql_units_energy[] = {
    U("Joule", 1), U("Millijoule", 1e-3), U("Kilojoule", 1e3), U("Megajoule", 1e6),
    U("Gigajoule", 1e9), U("Calorie", 4.184), U("Kilocalorie", 4.184e3), U("Megacalorie", 4.184e6),
    U("BritishThermalUnit", 1055.05585262), U("KilobritishThermalUnit", 1055.05585262e3),
    U("MegabritishThermalUnit", 1055.05585262e6), U("GigabritishThermalUnit", 1055.05585262e9),
    U("ElectronVolt", 1.602176565e-19), U("KiloelectronVolt", 1.602176565e-16),
    U("MegaelectronVolt", 1.602176565e-13), U("GigaelectronVolt", 1.602176565e-10),
    U("TeraelectronVolt", 1.602176565e-7), U("Erg", 1e-7), U("FootPound", 1.355817948),
    U("WattHour", 3600), U("KilowattHour", 3600e3), U("MegawattHour", 3600e6),
    U("GigawattHour", 3600e9), U("TerawattHour", 3600e12), U("WattDay", 86400),
    U("KilowattDay", 86400e3), U("MegawattDay", 86400e6), U("GigawattDay", 86400e9),
    U("TerawattDay", 86400e12), U("ThermEc", 1.05505585262e8), U("DecathermEc", 1.05505585262e9),
    U("ThermUs", 1.054804e8), U("DecathermUs", 1.054804e9), U("ThermImperial", 1.05505585257348e8),
    U("DecathermImperial", 1.05505585257348e9), U("HorsepowerHour", 2.6845195377e6), {NULL, 0, 0}};

static const kql_unit kql_units_force[] = {
    U("Newton", 1), U("Micronewton", 1e-6), U("Millinewton", 1e-3), U("Decanewton", 1e1),
    U("Kilonewton", 1e3), U("Meganewton", 1e6), U("Dyn", 1e-5), U("KilogramForce", 9.80665),
    U("TonneForce", 9.80665e3), U("KiloPond", 9.80665), U("PoundForce", 4.4482216152605),
    U("KilopoundForce", 4.4482216152605e3), U("OunceForce", 2.780138509537812e-1),
    U("Poundal", 0.138254954376), U("ShortTonForce", 8.896443230521e3), {NULL, 0, 0}};

static const kql_unit kql_units_length[] = {
    U("Meter", 1), U("Nanometer", 1e-9), U("Micrometer", 1e-6), U("Millimeter", 1e-3),
    U("Centimeter", 1e-2), U("Decimeter", 1e-1), U("Decameter", 1e1), U("Hectometer", 1e2),
    U("Kilometer", 1e3), U("Angstrom", 1e-10), U("AstronomicalUnit", 1.4959787070e11),
    U("Chain", 20.1168), U("DataMile", 1828.8), U("DtpPica", 1 / 236.220472441),
    U("DtpPoint", 2.54e-2 / 72), U("Fathom", 1.8288), U("Foot", 0.3048), U("Hand", 1.016e-1),
    U("Inch", 2.54e-2), U("LightYear", 9.46073047258e15), U("KilolightYear", 9.46073047258e18),
    U("MegalightYear", 9.46073047258e21), U("Parsec", 3.08567758128e16),
    U("Kiloparsec", 3.08567758128e19), U("Megaparsec", 3.08567758128e22), U("Microinch", 2.54e-8),
    U("Mil", 2.54e-5), U("Mile", 1609.34), U("NauticalMile", 1852),
    U("PrinterPica", 1 / 237.106301584), U("PrinterPoint", 2.54e-2 / 72.27), U("Shackle", 27.432),
    U("SolarRadius", 6.95510000e8), U("Twip", 1 / 56692.913385826),
    U("UsSurveyFoot", 1200.0 / 3937), U("Yard", 0.9144), {NULL, 0, 0}};

static const kql_unit kql_units_mass[] = {
    U("Kilogram", 1), U("Gram", 1e-3), U("Nanogram", 1e-12), U("Microgram", 1e-9),
    U("Milligram", 1e-6), U("Centigram", 1e-5), U("Decigram", 1e-4), U("Decagram", 1e-2),
    U("Hectogram", 1e-1), U("Tonne", 1e3), U("Kilotonne", 1e6), U("Megatonne", 1e9),
    U("Pound", 0.45359237), U("Kilopound", 0.45359237e3), U("Megapound", 0.45359237e6),
    U("ShortTon", 9.0718474e2), U("LongTon", 1.0160469088e3), U("Ounce", 1 / 35.2739619),
    U("Slug", 1 / 6.852176556196105e-2), U("Stone", 1 / 0.1574731728702698),
    U("ShortHundredweight", 1 / 0.022046226218487758),
    U("LongHundredweight", 1 / 0.01968413055222121), U("Grain", 1 / 15432.358352941431),
    U("SolarMass", 1.98947e30), U("EarthMass", 5.9722e24), {NULL, 0, 0}};

static const kql_unit kql_units_speed[] = {
    U("MeterPerSecond", 1), U("NanometerPerSecond", 1e-9), U("MicrometerPerSecond", 1e-6),
    U("MillimeterPerSecond", 1e-3), U("CentimeterPerSecond", 1e-2), U("DecimeterPerSecond", 1e-1),
    U("KilometerPerSecond", 1e3), U("MeterPerMinute", 1.0 / 60),
    U("NanometerPerMinute", 1e-9 / 60), U("MicrometerPerMinute", 1e-6 / 60),
    U("MillimeterPerMinute", 1e-3 / 60), U("CentimeterPerMinute", 1e-2 / 60),
    U("DecimeterPerMinute", 1e-1 / 60), U("KilometerPerMinute", 1e3 / 60),
    U("MeterPerHour", 1.0 / 3600), U("MillimeterPerHour", 1e-3 / 3600),
    U("CentimeterPerHour", 1e-2 / 3600), U("KilometerPerHour", 1e3 / 3600),
    U("FootPerSecond", 0.3048), U("FootPerMinute", 0.3048 / 60), U("FootPerHour", 0.3048 / 3600),
    U("InchPerSecond", 2.54e-2), U("InchPerMinute", 2.54e-2 / 60), U("InchPerHour", 2.54e-2 / 3600),
    U("YardPerSecond", 0.9144), U("YardPerMinute", 0.9144 / 60), U("YardPerHour", 0.9144 / 3600),
    U("UsSurveyFootPerSecond", 1200.0 / 3937), U("UsSurveyFootPerMinute", 1200.0 / 3937 / 60),
    U("UsSurveyFootPerHour", 1200.0 / 3937 / 3600), U("Knot", 0.514444),
    U("MilePerHour", 0.44704), {NULL, 0, 0}};

static const kql_unit kql_units_temperature[] = {
    {"Kelvin", 1, 0}, {"DegreeCelsius", 1, 273.15}, {"MillidegreeCelsius", 1e-3, 273.15},
    {"DegreeDelisle", -2.0 / 3, 373.15}, {"DegreeFahrenheit", 5.0 / 9, 459.67 * 5 / 9},
    {"DegreeNewton", 100.0 / 33, 273.15}, {"DegreeRankine", 5.0 / 9, 0},
    {"DegreeReaumur", 5.0 / 4, 273.15}, {"DegreeRoemer", 40.0 / 21, 273.15 - 7.5 * 40 / 21},
    {"SolarTemperature", 5778, 0}, {NULL, 0, 0}};

static const kql_unit kql_units_volume[] = {
    U("CubicMeter", 1), U("HectocubicMeter", 1e2), U("KilocubicMeter", 1e3),
    U("CubicKilometer", 1e9), U("CubicHectometer", 1e6), U("CubicDecimeter", 1e-3),
    U("CubicCentimeter", 1e-6), U("CubicMillimeter", 1e-9), U("CubicMicrometer", 1e-18),
    U("CubicMile", 4.16818182544058e9), U("CubicYard", 0.764554858), U("CubicFoot", 0.0283168),
    U("HectocubicFoot", 0.0283168e2), U("KilocubicFoot", 0.0283168e3),
    U("MegacubicFoot", 0.0283168e6), U("CubicInch", 1.6387e-5), U("Liter", 1e-3),
    U("Microliter", 1e-9), U("Milliliter", 1e-6), U("Centiliter", 1e-5), U("Deciliter", 1e-4),
    U("Decaliter", 1e-2), U("Hectoliter", 1e-1), U("Kiloliter", 1), U("Megaliter", 1e3),
    U("ImperialGallon", 0.00454609000000181429905810072407),
    U("KiloimperialGallon", 0.00454609000000181429905810072407e3),
    U("MegaimperialGallon", 0.00454609000000181429905810072407e6),
    U("ImperialOunce", 2.8413062499962901241875439064617e-5), U("UsGallon", 0.00378541),
    U("DeciusGallon", 0.00378541e-1), U("DecausGallon", 0.00378541e1),
    U("HectousGallon", 0.00378541e2), U("KilousGallon", 0.00378541e3),
    U("MegausGallon", 0.00378541e6), U("UsOunce", 2.957352956253760505068307980135e-5),
    U("UsTablespoon", 1.478676478125e-5), U("AuTablespoon", 2e-5), U("UkTablespoon", 1.5e-5),
    U("MetricTeaspoon", 0.5e-5), U("UsTeaspoon", 4.92892159375e-6), U("MetricCup", 0.00025),
    U("UsCustomaryCup", 0.0002365882365), U("UsLegalCup", 0.00024),
    U("OilBarrel", 0.158987294928), U("UsBeerBarrel", 0.1173477658),
    U("ImperialBeerBarrel", 0.16365924), U("UsQuart", 9.46352946e-4), U("UsPint", 4.73176473e-4),
    U("AcreFoot", 1 / 0.000810714), U("ImperialPint", 5.6826125e-4),
    U("BoardFoot", 2.3597372158e-3), {NULL, 0, 0}};

static const kql_unit *kql_unit_find(const kql_unit *tab, const char *s, size_t len) {
  for (; tab->name; tab++)
    if (strlen(tab->name) == len && memcmp(tab->name, s, len) == 0) return tab;
  return NULL;
}

static kv_value kql_convert(kql_fn_ctx *ctx, const kv_value *args, const kql_unit *tab,
                            const char *what) {
  double x;
  if (kv_is_null(args[0]) || !kql_arg_real(args[0], &x)) return kv_null(KV_REAL);
  kv_buf t1, t2;
  kv_buf_init(&t1);
  kv_buf_init(&t2);
  size_t l1, l2;
  const char *s1 = kql_arg_str(args[1], &t1, &l1);
  const char *s2 = kql_arg_str(args[2], &t2, &l2);
  const kql_unit *a = kql_unit_find(tab, s1, l1);
  const kql_unit *b = kql_unit_find(tab, s2, l2);
  bool tilt = (l1 == 4 && !memcmp(s1, "Tilt", 4)) || (l2 == 4 && !memcmp(s2, "Tilt", 4));
  kv_buf_free(&t1);
  kv_buf_free(&t2);
  if (tilt && tab == kql_units_angle)
    return kql_fn_fail(ctx, KV_REAL, "not supported yet: %s() with the unit 'Tilt'", what);
  if (!a || !b) return kv_null(KV_REAL);
  if (a == b) return kv_real(x);
  double base = x * a->mul + a->add;
  return kv_real((base - b->add) / b->mul);
}

KQL_FN(convert_angle) { (void)argc; return kql_convert(ctx, args, kql_units_angle, "convert_angle"); }
KQL_FN(convert_energy) { (void)argc; return kql_convert(ctx, args, kql_units_energy, "convert_energy"); }
KQL_FN(convert_force) { (void)argc; return kql_convert(ctx, args, kql_units_force, "convert_force"); }
KQL_FN(convert_length) { (void)argc; return kql_convert(ctx, args, kql_units_length, "convert_length"); }
KQL_FN(convert_mass) { (void)argc; return kql_convert(ctx, args, kql_units_mass, "convert_mass"); }
KQL_FN(convert_speed) { (void)argc; return kql_convert(ctx, args, kql_units_speed, "convert_speed"); }
KQL_FN(convert_temperature) {
  (void)argc;
  return kql_convert(ctx, args, kql_units_temperature, "convert_temperature");
}
KQL_FN(convert_volume) { (void)argc; return kql_convert(ctx, args, kql_units_volume, "convert_volume"); }
