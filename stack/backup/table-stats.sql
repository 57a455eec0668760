-- One line per table (schema.name, exact row count, content md5), sorted by name.
-- The md5 covers every row's text form, sorted, so it doesn't depend on physical order:
-- equal lines before a backup and after its restore mean identical table contents.
-- Tables that belong to extensions are left out (CREATE EXTENSION recreates them).
SELECT format('%s.%s', n.nspname, c.relname),
       (xpath('/row/n/text()', q))[1]::text,
       (xpath('/row/h/text()', q))[1]::text
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 CROSS JOIN LATERAL query_to_xml(format(
       'SELECT count(*) AS n, coalesce(md5(string_agg(r, '''' ORDER BY r COLLATE "C")), md5('''')) AS h
          FROM (SELECT md5(t::text) AS r FROM %I.%I t) s', n.nspname, c.relname),
       false, true, '') AS q
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
 ORDER BY 1;
