/*
 * Directory-backed storage driver: one file per object in a state
 * directory, atomic replace by temp + fsync + rename + directory fsync.
 * Bind it with stor_init(s, &stor_file_ops, "/var/lib/leaktap").
 */
#ifndef LEAKTAP_STOR_FILE_H
#define LEAKTAP_STOR_FILE_H

#include "stor.h"

extern const struct stor_ops stor_file_ops;

#endif /* LEAKTAP_STOR_FILE_H */
