/* migrate.h - the migrations embedded at build time (cmake/embed_sql.cmake). */
#ifndef MAMORI_MIGRATE_H
#define MAMORI_MIGRATE_H

struct store_migration {
	int version;	  /* from the file name NNNN_name.sql */
	const char *name; /* the part after the number */
	const char *sql;
	const char *pg_sql; /* NNNN_name.pg.sql: replaces sql on PostgreSQL; NULL when none */
};

extern const struct store_migration store_migrations[];
extern const int store_migrations_len;

#endif
