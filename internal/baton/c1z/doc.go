// Package c1z writes and reads Baton ".c1z" sync files, version 1: the magic "C1ZF\x00"
// followed by one zstd frame holding a SQLite database with the seven v1_* tables and sixteen
// indexes of the upstream SDK (baton-sdk v0.25.0), so that both the `baton` CLI and ConductorOne
// read what this package writes, and this package reads what they write.
//
// # Writing: Store
//
// [Open] gives a [Store] for one output file. The Store works on an uncompressed database in a
// working directory <TempDir>/baton-c1z-<hash of the output path>/ (files db and meta.json),
// guarded by an exclusive lock on the directory's ".lock" file, so one process at a time writes
// a given output. An existing non-empty output is decoded into the working directory first, so
// new syncs are appended to it; the readers show the newest finished full sync.
//
// A sync is [Store.StartSync], pages of Put calls ([Store.PutResourceTypes],
// [Store.PutResources], [Store.PutEntitlements], [Store.PutGrants]), [Store.Checkpoint]s,
// [Store.ExpandGrants], [Store.Cleanup] and [Store.EndSync]. [Store.Save] then compresses the
// database into <output>.tmp and renames it over the output: the output file is always either
// the previous complete file or the new complete file.
//
// Grant indexes. A file holding a million grants or more is saved without the five lookup
// indexes of v1_grants (about half its compressed size), which both SDK readers create when they
// open it; [Options.GrantIndexes] keeps them, or leaves them out of every file (see
// [GrantIndexes]). The unique one is there during the whole sync, so grant ids are unique in
// the file. Free-list pages (such as those of dropped indexes) are saved as zeros.
//
// Crash safety. The database runs in WAL mode with synchronous=NORMAL: a killed process never
// corrupts it. Put calls are grouped into larger transactions (committed every 50,000 rows, every
// 2 seconds of writing, and by every sync-run change such as Checkpoint). A checkpoint token is
// therefore committed together with every row written before it, and a crash loses only rows
// written after the last commit, which no checkpoint refers to. After a crash (or a
// [Store.Close] without Save) the next Open of the same output reuses the working directory —
// unless the output file changed in the meantime — and [Store.LatestUnfinishedSync] finds the
// interrupted sync and its token. [Store.Discard] throws the working directory away. (During
// grant expansion, and from then on until the save, the database is written without syncing: a
// killed process is still safe, but a power loss then may cost the working directory, never the
// output file.)
//
// Concurrency. A Store may be used from many goroutines: writes are serialised on one
// connection, reads use a pool of read-only connections and see committed data (a read first
// commits pending rows of the tables it reads).
//
// # Grant expansion
//
// Grants carrying a GrantExpandable annotation ("every principal holding one of these
// entitlements also holds mine") are expanded by [Store.ExpandGrants] inside the database,
// destination entitlement by destination entitlement, merging the principal-ordered grants of
// its sources with its own, so derived grants are written in key order; memory holds the
// entitlement graph and bounded pages and caches only. The database is in rollback-journal
// mode meanwhile, and a large expansion rebuilds the indexes that derived grants would reach
// in random order. See spec §4.2–4.3 and [Store.ExpandGrants] for the rules.
//
// # Reading: Reader
//
// [OpenReader] decompresses a file into a private temporary copy (removed by [Reader.Close]),
// with the decoder limits the SDK uses (BATON_DECODER_MAX_DECODED_SIZE_MB, default 10 GiB;
// BATON_DECODER_MAX_MEMORY_MB, default 128 MiB), and picks the sync to show by the readers' rule.
// Grant indexes the file does not carry are built when a query first needs one.
// Every way a file can be unreadable has its own sentinel error (ErrNotC1Z, ErrV3Unsupported,
// ErrCorrupt, ErrTooLarge, ErrNotSQLite, ErrEmptyFile, ErrNoFinishedSync), usable with
// errors.Is.
package c1z
