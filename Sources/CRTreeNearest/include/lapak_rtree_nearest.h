#ifndef LAPAK_RTREE_NEAREST_H
#define LAPAK_RTREE_NEAREST_H
#include <sqlite3.h>

/// Registers the R*Tree query function `lapak_nearest(latitude, longitude, category_min, category_max, max_distance_m)`
/// on `db`. Used as `... WHERE id MATCH lapak_nearest(...)`, the R*Tree returns its entries in increasing order
/// of a lower bound of their great-circle distance from the point, skipping categories outside the range and
/// anything farther than the maximum distance. Returns an SQLite result code.
int lapak_register_nearest(sqlite3 *_Nonnull db);

/// The lower bound that orders the search, for a box of latitudes and longitudes (degrees), in metres.
double lapak_box_distance_lower_bound(double latitude, double longitude, double min_latitude, double max_latitude,
                                      double min_longitude, double max_longitude);

#endif
