/**
 * The rest of pg_catalog: shared catalogs (databases, roles), functions, settings,
 * sessions, and the system views (pg_tables, pg_indexes...). Catalogs of features
 * Tessera does not have (triggers, policies, publications...) exist and are empty, which
 * is the true answer and what tools need to run their queries.
 */
import { settingDefaults } from '../session/settings.ts';
import { columns, emptyTable, type RowObject, type VirtualTableDef } from './columns.ts';
import { indexDef } from './deparse.ts';
import { BTREE_AM_OID, constraintOid, descriptorOid, HEAP_AM_OID, indexOid, PG_CATALOG_NAMESPACE_OID, roleOid, SUPERUSER_OID, viewRuleOid } from './oids.ts';
import { BUILTIN_PROCS } from './procs.ts';
import { opclassRows } from './opclasses.ts';
import { descriptionRows } from './descriptions.ts';
import { enumRows, namespaceDependRows, sequenceDependRows, sequenceRows, sequencesViewRows } from './pg-tables-types.ts';
import { indexesOf, type CatalogSnapshot } from './snapshot.ts';

const PG = 'pg_catalog' as const;

function roleRows(snap: CatalogSnapshot): RowObject[] {
  return snap.roles.map((r) => ({
    oid: roleOid(r.name, r.name === 'root'), rolname: r.name, rolsuper: r.superuser, rolinherit: true, rolcreaterole: r.superuser, rolcreatedb: r.superuser,
    rolcanlogin: true, rolreplication: r.superuser, rolconnlimit: -1, rolpassword: '********', rolbypassrls: r.superuser,
  }));
}

function schemaName(snap: CatalogSnapshot, schemaId: number): string {
  return snap.schema(schemaId)?.name ?? 'public';
}

function indexViewRows(snap: CatalogSnapshot): RowObject[] {
  return snap.tables.flatMap((t) => indexesOf(t).map((i) => {
    const schemaname = schemaName(snap, t.schemaId);
    return { schemaname, tablename: t.name, indexname: i.name, indexdef: indexDef(t, schemaname, i, false) };
  }));
}

/** pg_stat_user_indexes: every index of a user table; the usage counters are not kept (0). */
function indexStatRows(snap: CatalogSnapshot): RowObject[] {
  return snap.tables.flatMap((t) => indexesOf(t).map((i) => ({
    relid: descriptorOid(t.id), indexrelid: indexOid(t.id, i.id), schemaname: schemaName(snap, t.schemaId), relname: t.name, indexrelname: i.name,
    idx_scan: 0, idx_tup_read: 0, idx_tup_fetch: 0,
  })));
}

const PG_CLASS = 1259;
const PG_CONSTRAINT = 2606;
const PG_REWRITE = 2618;

/**
 * What PostgreSQL records for tables and indexes: a constraint's index depends on the
 * constraint internally ('i'), a plain index on its table's columns automatically ('a'),
 * and a constraint on its table's columns ('a').
 */
function dependRows(snap: CatalogSnapshot): RowObject[] {
  const out: RowObject[] = [];
  for (const t of snap.tables) {
    const table = descriptorOid(t.id);
    const cols = t.columns.filter((c) => !c.hidden);
    const attnum = (id: number): number => cols.findIndex((c) => c.id === id) + 1;
    for (const i of indexesOf(t)) {
      const index = indexOid(t.id, i.id);
      if (i.id === t.primaryIndex.id || i.constraint === true) {
        const con = constraintOid(t.id, i.id);
        out.push({ classid: PG_CLASS, objid: index, objsubid: 0, refclassid: PG_CONSTRAINT, refobjid: con, refobjsubid: 0, deptype: 'i' });
        for (const id of i.columnIds) out.push({ classid: PG_CONSTRAINT, objid: con, objsubid: 0, refclassid: PG_CLASS, refobjid: table, refobjsubid: attnum(id), deptype: 'a' });
      } else {
        for (const id of i.columnIds) out.push({ classid: PG_CLASS, objid: index, objsubid: 0, refclassid: PG_CLASS, refobjid: table, refobjsubid: attnum(id), deptype: 'a' });
      }
    }
  }
  // A view's _RETURN rule depends internally on the view and normally on what it reads
  // (pg_dump orders a view after its tables through these).
  for (const v of snap.views) {
    const rule = viewRuleOid(v.id);
    out.push({ classid: PG_REWRITE, objid: rule, objsubid: 0, refclassid: PG_CLASS, refobjid: descriptorOid(v.id), refobjsubid: 0, deptype: 'i' });
    for (const id of v.dependsOn ?? []) out.push({ classid: PG_REWRITE, objid: rule, objsubid: 0, refclassid: PG_CLASS, refobjid: descriptorOid(id), refobjsubid: 0, deptype: 'n' });
  }
  out.push(...sequenceDependRows(snap), ...namespaceDependRows(snap));
  return out;
}

const settingDescriptions: Readonly<Record<string, string>> = {
  search_path: 'Sets the schema search order for names that are not schema-qualified.',
  timezone: 'Sets the time zone for displaying and interpreting time stamps.',
};

export const MORE_TABLES: readonly VirtualTableDef[] = [
  {
    schema: PG, name: 'pg_database', oid: 1262, relkind: 'r',
    columns: columns('oid oid, datname name, datdba oid, encoding int4, datlocprovider char, datistemplate bool, datallowconn bool, datconnlimit int4, datfrozenxid xid, datminmxid xid, dattablespace oid, datcollate text, datctype text, daticulocale text, datcollversion text, datacl aclitem[]'),
    rows: (snap) => snap.databases.map((d) => ({ oid: descriptorOid(d.id), datname: d.name, datdba: SUPERUSER_OID, encoding: 6, datlocprovider: 'c', datistemplate: false, datallowconn: true, datconnlimit: -1, datfrozenxid: 0, datminmxid: 1, dattablespace: 1663, datcollate: 'C', datctype: 'C' })),
  },
  {
    schema: PG, name: 'pg_roles', oid: 12001, relkind: 'v',
    columns: columns('rolname name, rolsuper bool, rolinherit bool, rolcreaterole bool, rolcreatedb bool, rolcanlogin bool, rolreplication bool, rolconnlimit int4, rolpassword text, rolvaliduntil timestamptz, rolbypassrls bool, rolconfig text[], oid oid'),
    rows: roleRows,
  },
  {
    schema: PG, name: 'pg_authid', oid: 1260, relkind: 'r',
    columns: columns('oid oid, rolname name, rolsuper bool, rolinherit bool, rolcreaterole bool, rolcreatedb bool, rolcanlogin bool, rolreplication bool, rolbypassrls bool, rolconnlimit int4, rolpassword text, rolvaliduntil timestamptz'),
    rows: (snap) => roleRows(snap).map((r) => ({ ...r, rolpassword: null })),
  },
  {
    schema: PG, name: 'pg_user', oid: 12002, relkind: 'v',
    columns: columns('usename name, usesysid oid, usecreatedb bool, usesuper bool, userepl bool, usebypassrls bool, passwd text, valuntil timestamptz, useconfig text[]'),
    rows: (snap) => snap.roles.map((r) => ({ usename: r.name, usesysid: roleOid(r.name, r.name === 'root'), usecreatedb: r.superuser, usesuper: r.superuser, userepl: r.superuser, usebypassrls: r.superuser, passwd: '********' })),
  },
  emptyTable(PG, 'pg_auth_members', 1261, 'oid oid, roleid oid, member oid, grantor oid, admin_option bool'),
  {
    schema: PG, name: 'pg_proc', oid: 1255, relkind: 'r',
    columns: columns('oid oid, proname name, pronamespace oid, proowner oid, prolang oid, procost float4, prorows float4, provariadic oid, prosupport regproc, prokind char, prosecdef bool, proleakproof bool, proisstrict bool, proretset bool, provolatile char, proparallel char, pronargs int2, pronargdefaults int2, prorettype oid, proargtypes oidvector, proallargtypes oid[], proargmodes char[], proargnames text[], proargdefaults pg_node_tree, protrftypes oid[], prosrc text, probin text, prosqlbody pg_node_tree, proconfig text[], proacl aclitem[]'),
    rows: () => [],
    fixedRows: () => BUILTIN_PROCS.map((p) => ({ oid: p.oid, proname: p.name, pronamespace: PG_CATALOG_NAMESPACE_OID, proowner: SUPERUSER_OID, prolang: 12, procost: 1, prorows: 0, provariadic: 0, prosupport: 0, prokind: p.kind, prosecdef: false, proleakproof: false, proisstrict: true, proretset: false, provolatile: 'v', proparallel: 's', pronargs: p.args.length, pronargdefaults: 0, prorettype: p.result, proargtypes: p.args, prosrc: p.name })),
  },
  {
    schema: PG, name: 'pg_am', oid: 2601, relkind: 'r',
    columns: columns('oid oid, amname name, amhandler regproc, amtype char'),
    rows: () => [{ oid: HEAP_AM_OID, amname: 'heap', amhandler: 0, amtype: 't' }, { oid: BTREE_AM_OID, amname: 'btree', amhandler: 0, amtype: 'i' }],
  },
  {
    schema: PG, name: 'pg_settings', oid: 12003, relkind: 'v',
    columns: columns('name text, setting text, unit text, category text, short_desc text, extra_desc text, context text, vartype text, source text, min_val text, max_val text, enumvals text[], boot_val text, reset_val text, sourcefile text, sourceline int4, pending_restart bool'),
    rows: (_snap, ctx) => [...settingDefaults.keys()].sort().map((name) => ({ name, setting: ctx.setting(name) ?? settingDefaults.get(name) ?? '', category: 'Ungrouped', short_desc: settingDescriptions[name] ?? '', context: 'user', vartype: 'string', source: 'default', boot_val: settingDefaults.get(name) ?? '', reset_val: settingDefaults.get(name) ?? '', pending_restart: false })),
  },
  {
    schema: PG, name: 'pg_stat_activity', oid: 12004, relkind: 'v',
    columns: columns('datid oid, datname name, pid int4, leader_pid int4, usesysid oid, usename name, application_name text, client_addr text, client_hostname text, client_port int4, backend_start timestamptz, xact_start timestamptz, query_start timestamptz, state_change timestamptz, wait_event_type text, wait_event text, state text, backend_xid xid, backend_xmin xid, query_id int8, query text, backend_type text'),
    // This session only: Tessera has no cross-session registry yet.
    rows: (snap, ctx) => [{ datid: descriptorOid(snap.database.id), datname: snap.database.name, pid: process.pid, usename: snap.user, application_name: ctx.setting('application_name') ?? '', backend_start: ctx.txnMicros, xact_start: ctx.txnMicros, query_start: ctx.txnMicros, state: 'active', backend_type: 'client backend' }],
  },
  {
    schema: PG, name: 'pg_collation', oid: 3456, relkind: 'r',
    columns: columns('oid oid, collname name, collnamespace oid, collowner oid, collprovider char, collisdeterministic bool, collencoding int4, collcollate text, collctype text, colliculocale text, collversion text'),
    rows: () => [[100, 'default', 'd', -1], [950, 'C', 'c', -1], [951, 'POSIX', 'c', -1]].map(([oid, collname, collprovider, collencoding]) => ({ oid, collname, collnamespace: PG_CATALOG_NAMESPACE_OID, collowner: SUPERUSER_OID, collprovider, collisdeterministic: true, collencoding, collcollate: oid === 100 ? null : String(collname), collctype: oid === 100 ? null : String(collname) })),
  },
  {
    schema: PG, name: 'pg_tablespace', oid: 1213, relkind: 'r',
    columns: columns('oid oid, spcname name, spcowner oid, spcacl aclitem[], spcoptions text[]'),
    rows: () => [{ oid: 1663, spcname: 'pg_default', spcowner: SUPERUSER_OID }, { oid: 1664, spcname: 'pg_global', spcowner: SUPERUSER_OID }],
  },
  {
    schema: PG, name: 'pg_language', oid: 2612, relkind: 'r',
    columns: columns('oid oid, lanname name, lanowner oid, lanispl bool, lanpltrusted bool, lanplcallfoid oid, laninline oid, lanvalidator oid, lanacl aclitem[]'),
    rows: () => [[12, 'internal'], [13, 'c'], [14, 'sql']].map(([oid, lanname]) => ({ oid, lanname, lanowner: SUPERUSER_OID, lanispl: false, lanpltrusted: lanname === 'sql', lanplcallfoid: 0, laninline: 0, lanvalidator: 0 })),
  },
  {
    schema: PG, name: 'pg_tables', oid: 12005, relkind: 'v',
    columns: columns('schemaname name, tablename name, tableowner name, tablespace name, hasindexes bool, hasrules bool, hastriggers bool, rowsecurity bool'),
    rows: (snap) => snap.tables.map((t) => ({ schemaname: schemaName(snap, t.schemaId), tablename: t.name, tableowner: 'root', hasindexes: indexesOf(t).length > 0, hasrules: false, hastriggers: false, rowsecurity: false })),
  },
  {
    schema: PG, name: 'pg_indexes', oid: 12006, relkind: 'v',
    columns: columns('schemaname name, tablename name, indexname name, tablespace name, indexdef text'),
    rows: indexViewRows,
  },
  // Row-level security policies do not exist in Tessera: empty (drizzle-kit reads them).
  emptyTable(PG, 'pg_policy', 3256, 'oid oid, polname name, polrelid oid, polcmd char, polpermissive bool, polroles oid[], polqual pg_node_tree, polwithcheck pg_node_tree'),
  emptyTable(PG, 'pg_policies', 12080, 'schemaname name, tablename name, policyname name, permissive text, roles name[], cmd text, qual text, with_check text', 'v'),
  {
    schema: PG, name: 'pg_views', oid: 12007, relkind: 'v',
    columns: columns('schemaname name, viewname name, viewowner name, definition text'),
    rows: (snap) => snap.views.map((v) => ({ schemaname: schemaName(snap, v.schemaId), viewname: v.name, viewowner: 'root', definition: v.definition ?? null })),
  },
  emptyTable(PG, 'pg_matviews', 12008, 'schemaname name, matviewname name, matviewowner name, tablespace name, hasindexes bool, ispopulated bool, definition text', 'v'),
  {
    schema: PG, name: 'pg_sequences', oid: 12009, relkind: 'v',
    columns: columns('schemaname name, sequencename name, sequenceowner name, data_type regtype, start_value int8, min_value int8, max_value int8, increment_by int8, cycle bool, cache_size int8, last_value int8'),
    rows: sequencesViewRows,
  },
  {
    schema: PG, name: 'pg_sequence', oid: 2224, relkind: 'r',
    columns: columns('seqrelid oid, seqtypid oid, seqstart int8, seqincrement int8, seqmax int8, seqmin int8, seqcache int8, seqcycle bool'),
    rows: sequenceRows,
  },
  {
    schema: PG, name: 'pg_enum', oid: 3501, relkind: 'r',
    columns: columns('oid oid, enumtypid oid, enumsortorder float4, enumlabel name'),
    rows: enumRows,
  },
  emptyTable(PG, 'pg_extension', 3079, 'oid oid, extname name, extowner oid, extnamespace oid, extrelocatable bool, extversion text, extconfig oid[], extcondition text[]'),
  emptyTable(PG, 'pg_inherits', 2611, 'inhrelid oid, inhparent oid, inhseqno int4, inhdetachpending bool'),
  {
    schema: PG, name: 'pg_depend', oid: 2608, relkind: 'r',
    columns: columns('classid oid, objid oid, objsubid int4, refclassid oid, refobjid oid, refobjsubid int4, deptype char'),
    rows: dependRows,
  },
  emptyTable(PG, 'pg_shdepend', 1214, 'dbid oid, classid oid, objid oid, objsubid int4, refclassid oid, refobjid oid, deptype char'),
  {
    // COMMENT ON's texts, and PostgreSQL's one built-in comment (public's) that tools compare against.
    schema: PG, name: 'pg_description', oid: 2609, relkind: 'r',
    columns: columns('objoid oid, classoid oid, objsubid int4, description text'),
    rows: descriptionRows,
  },
  emptyTable(PG, 'pg_shdescription', 2396, 'objoid oid, classoid oid, description text'),
  emptyTable(PG, 'pg_range', 3541, 'rngtypid oid, rngsubtype oid, rngmultitypid oid, rngcollation oid, rngsubopc oid, rngcanonical regproc, rngsubdiff regproc'),
  emptyTable(PG, 'pg_trigger', 2620, 'oid oid, tgrelid oid, tgparentid oid, tgname name, tgfoid oid, tgtype int2, tgenabled char, tgisinternal bool, tgconstrrelid oid, tgconstrindid oid, tgconstraint oid, tgdeferrable bool, tginitdeferred bool, tgnargs int2, tgattr int2vector, tgargs text, tgqual pg_node_tree, tgoldtable name, tgnewtable name'),
  emptyTable(PG, 'pg_policy', 3256, 'oid oid, polname name, polrelid oid, polcmd char, polpermissive bool, polroles oid[], polqual pg_node_tree, polwithcheck pg_node_tree'),
  {
    schema: PG, name: 'pg_rewrite', oid: 2618, relkind: 'r',
    columns: columns('oid oid, rulename name, ev_class oid, ev_type char, ev_enabled char, is_instead bool, ev_qual pg_node_tree, ev_action pg_node_tree'),
    rows: (snap) => snap.views.map((v) => ({ oid: viewRuleOid(v.id), rulename: '_RETURN', ev_class: descriptorOid(v.id), ev_type: '1', ev_enabled: 'O', is_instead: true, ev_qual: '<>' })),
  },
  emptyTable(PG, 'pg_statistic_ext', 3381, 'oid oid, stxrelid oid, stxname name, stxnamespace oid, stxowner oid, stxstattarget int4, stxkeys int2vector, stxkind char[], stxexprs pg_node_tree'),
  emptyTable(PG, 'pg_publication', 6104, 'oid oid, pubname name, pubowner oid, puballtables bool, pubinsert bool, pubupdate bool, pubdelete bool, pubtruncate bool, pubviaroot bool'),
  emptyTable(PG, 'pg_publication_rel', 6106, 'oid oid, prpubid oid, prrelid oid, prqual pg_node_tree, prattrs int2[]'),
  emptyTable(PG, 'pg_publication_namespace', 6237, 'oid oid, pnpubid oid, pnnspid oid'),
  emptyTable(PG, 'pg_subscription', 6100, 'oid oid, subdbid oid, subname name, subowner oid, subenabled bool, subbinary bool, substream bool, subtwophasestate char, subdisableonerr bool, subconninfo text, subslotname name, subsynccommit text, subpublications text[]'),
  emptyTable(PG, 'pg_event_trigger', 3466, 'oid oid, evtname name, evtevent name, evtowner oid, evtfoid oid, evtenabled char, evttags text[]'),
  emptyTable(PG, 'pg_foreign_table', 3118, 'ftrelid oid, ftserver oid, ftoptions text[]'),
  emptyTable(PG, 'pg_foreign_server', 1417, 'oid oid, srvname name, srvowner oid, srvfdw oid, srvtype text, srvversion text, srvacl aclitem[], srvoptions text[]'),
  emptyTable(PG, 'pg_foreign_data_wrapper', 2328, 'oid oid, fdwname name, fdwowner oid, fdwhandler oid, fdwvalidator oid, fdwacl aclitem[], fdwoptions text[]'),
  emptyTable(PG, 'pg_partitioned_table', 3350, 'partrelid oid, partstrat char, partnatts int2, partdefid oid, partattrs int2vector, partclass oidvector, partcollation oidvector, partexprs pg_node_tree'),
  emptyTable(PG, 'pg_default_acl', 826, 'oid oid, defaclrole oid, defaclnamespace oid, defaclobjtype char, defaclacl aclitem[]'),
  emptyTable(PG, 'pg_init_privs', 3394, 'objoid oid, classoid oid, objsubid int4, privtype char, initprivs aclitem[]'),
  emptyTable(PG, 'pg_seclabel', 3596, 'objoid oid, classoid oid, objsubid int4, provider text, label text'),
  emptyTable(PG, 'pg_cast', 2605, 'oid oid, castsource oid, casttarget oid, castfunc oid, castcontext char, castmethod char'),
  emptyTable(PG, 'pg_conversion', 2607, 'oid oid, conname name, connamespace oid, conowner oid, conforencoding int4, contoencoding int4, conproc regproc, condefault bool'),
  emptyTable(PG, 'pg_transform', 3576, 'oid oid, trftype oid, trflang oid, trffromsql regproc, trftosql regproc'),
  {
    schema: PG, name: 'pg_opclass', oid: 2616, relkind: 'r',
    columns: columns('oid oid, opcmethod oid, opcname name, opcnamespace oid, opcowner oid, opcfamily oid, opcintype oid, opcdefault bool, opckeytype oid'),
    rows: () => [],
    fixedRows: opclassRows,
  },
  emptyTable(PG, 'pg_operator', 2617, 'oid oid, oprname name, oprnamespace oid, oprowner oid, oprkind char, oprcanmerge bool, oprcanhash bool, oprleft oid, oprright oid, oprresult oid, oprcom oid, oprnegate oid, oprcode regproc, oprrest regproc, oprjoin regproc'),
  emptyTable(PG, 'pg_aggregate', 2600, 'aggfnoid regproc, aggkind char, aggnumdirectargs int2, aggtransfn regproc, aggfinalfn regproc'),
  emptyTable(PG, 'pg_largeobject_metadata', 2995, 'oid oid, lomowner oid, lomacl aclitem[]'),
  emptyTable(PG, 'pg_opfamily', 2753, 'oid oid, opfmethod oid, opfname name, opfnamespace oid, opfowner oid'),
  emptyTable(PG, 'pg_amop', 2602, 'oid oid, amopfamily oid, amoplefttype oid, amoprighttype oid, amopstrategy int2, amoppurpose char, amopopr oid, amopmethod oid, amopsortfamily oid'),
  emptyTable(PG, 'pg_amproc', 2603, 'oid oid, amprocfamily oid, amproclefttype oid, amprocrighttype oid, amprocnum int2, amproc regproc'),
  emptyTable(PG, 'pg_ts_parser', 3601, 'oid oid, prsname name, prsnamespace oid, prsstart regproc, prstoken regproc, prsend regproc, prsheadline regproc, prslextype regproc'),
  emptyTable(PG, 'pg_ts_template', 3764, 'oid oid, tmplname name, tmplnamespace oid, tmplinit regproc, tmpllexize regproc'),
  emptyTable(PG, 'pg_ts_dict', 3600, 'oid oid, dictname name, dictnamespace oid, dictowner oid, dicttemplate oid, dictinitoption text'),
  emptyTable(PG, 'pg_ts_config', 3602, 'oid oid, cfgname name, cfgnamespace oid, cfgowner oid, cfgparser oid'),
  emptyTable(PG, 'pg_ts_config_map', 3603, 'mapcfg oid, maptokentype int4, mapseqno int4, mapdict oid'),
  emptyTable(PG, 'pg_seclabels', 12012, 'objoid oid, classoid oid, objsubid int4, objtype text, objnamespace oid, objname text, provider text, label text', 'v'),
  emptyTable(PG, 'pg_shseclabel', 3592, 'objoid oid, classoid oid, provider text, label text'),
  emptyTable(PG, 'pg_db_role_setting', 2964, 'setdatabase oid, setrole oid, setconfig text[]'),
  emptyTable(PG, 'pg_parameter_acl', 6243, 'oid oid, parname text, paracl aclitem[]'),
  emptyTable(PG, 'pg_user_mapping', 1418, 'oid oid, umuser oid, umserver oid, umoptions text[]'),
  emptyTable(PG, 'pg_statistic_ext_data', 3429, 'stxoid oid, stxdinherit bool'),
  emptyTable(PG, 'pg_largeobject', 2613, 'loid oid, pageno int4'),
  emptyTable(PG, 'pg_prepared_xacts', 12013, 'transaction xid, gid text, prepared timestamptz, owner name, database name', 'v'),
  emptyTable(PG, 'pg_available_extensions', 12014, 'name name, default_version text, installed_version text, comment text', 'v'),
  emptyTable(PG, 'pg_statio_all_tables', 12015, 'relid oid, schemaname name, relname name, heap_blks_read int8, heap_blks_hit int8, idx_blks_read int8, idx_blks_hit int8, toast_blks_read int8, toast_blks_hit int8, tidx_blks_read int8, tidx_blks_hit int8', 'v'),
  emptyTable(PG, 'pg_stat_all_tables', 12016, 'relid oid, schemaname name, relname name, seq_scan int8, seq_tup_read int8, idx_scan int8, idx_tup_fetch int8, n_tup_ins int8, n_tup_upd int8, n_tup_del int8, n_live_tup int8, n_dead_tup int8', 'v'),
  emptyTable(PG, 'pg_locks', 12010, 'locktype text, database oid, relation oid, page int4, tuple int2, virtualxid text, transactionid xid, classid oid, objid oid, objsubid int2, virtualtransaction text, pid int4, mode text, granted bool, fastpath bool, waitstart timestamptz', 'v'),
  ...['pg_stat_user_indexes', 'pg_stat_all_indexes'].map((name, n): VirtualTableDef => ({
    schema: PG, name, oid: 12017 + n, relkind: 'v',
    columns: columns('relid oid, indexrelid oid, schemaname name, relname name, indexrelname name, idx_scan int8, last_idx_scan timestamptz, idx_tup_read int8, idx_tup_fetch int8'),
    rows: indexStatRows,
  })),
  emptyTable(PG, 'pg_stat_user_tables', 12011, 'relid oid, schemaname name, relname name, seq_scan int8, seq_tup_read int8, idx_scan int8, idx_tup_fetch int8, n_tup_ins int8, n_tup_upd int8, n_tup_del int8, n_live_tup int8, n_dead_tup int8', 'v'),
];
