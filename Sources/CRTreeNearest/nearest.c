#include "lapak_rtree_nearest.h"
#include <math.h>

static const double earth_radius = 6371008.8;
static const double degrees = M_PI / 180.0;

// A lower bound of the distance from a point to any point of a latitude/longitude box.
// Haversine: a = sin²(Δφ/2) + cos φ0 · cos φ · sin²(Δλ/2). Each term is smallest at the smallest
// |Δφ|, |Δλ| and cos φ the box allows, taken independently, so their sum bounds every point's a.
double lapak_box_distance_lower_bound(double latitude, double longitude, double min_latitude, double max_latitude,
                                      double min_longitude, double max_longitude) {
    double d_lat = 0;
    if (latitude < min_latitude) d_lat = min_latitude - latitude;
    else if (latitude > max_latitude) d_lat = latitude - max_latitude;
    double d_lon = 0;
    if (longitude < min_longitude) d_lon = min_longitude - longitude;
    else if (longitude > max_longitude) d_lon = longitude - max_longitude;
    if (d_lon > 180) d_lon = 360 - d_lon;
    double widest = fmax(fabs(min_latitude), fabs(max_latitude));
    double cos_box = cos(fmin(widest, 90.0) * degrees);
    double s_lat = sin(d_lat * degrees / 2), s_lon = sin(d_lon * degrees / 2);
    double a = s_lat * s_lat + cos(latitude * degrees) * cos_box * s_lon * s_lon;
    if (a > 1) a = 1;
    return 2 * earth_radius * asin(sqrt(a));
}

// Parameters: latitude, longitude, category_min, category_max, max_distance.
// Coordinates: min/max latitude, min/max longitude, min/max category.
static int lapak_nearest_score(sqlite3_rtree_query_info *info) {
    if (info->nParam != 5 || info->nCoord < 6) return SQLITE_ERROR;
    const sqlite3_rtree_dbl *p = info->aParam, *c = info->aCoord;
    if (c[5] < p[2] || c[4] > p[3]) {
        info->eWithin = NOT_WITHIN;
        return SQLITE_OK;
    }
    double bound = lapak_box_distance_lower_bound(p[0], p[1], c[0], c[1], c[2], c[3]);
    if (bound > p[4]) {
        info->eWithin = NOT_WITHIN;
        return SQLITE_OK;
    }
    info->rScore = bound;
    info->eWithin = PARTLY_WITHIN;
    return SQLITE_OK;
}

int lapak_register_nearest(sqlite3 *db) {
    return sqlite3_rtree_query_callback(db, "lapak_nearest", lapak_nearest_score, 0, 0);
}
