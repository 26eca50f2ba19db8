/*
 * folio-lab: SPIN model of the 32-bit page refcount word, scaled down.
 *
 * One file, several configurations chosen with cpp switches
 * (spin -DNAME=VALUE -a refcount.pml):
 *
 *   scheme      default: the frozen-bit scheme of the series, exactly the
 *               operations of include/folio-lab/refscheme.h
 *               (rs_frozen_bit_*), junk undo and guard included;
 *               -DZERO_SCHEME: today's scheme, try_get is
 *               atomic_add_unless(v, 1, 0) (rs_cas_loop_try_get);
 *               -DZERO_SCHEME -DASSUME_ONE: Linus' variant, the same loop
 *               starting from a guess of 1 (rs_assume_one_try_get).
 *   GETTERS     number of speculative getter processes (default 2).
 *   FREEZERS    how many of the getters may freeze the page at the count
 *               they expect (NR, their own references) and unfreeze it
 *               (default: all of them).
 *   LIVES       lives of the page the allocator hands out (default 2).
 *   W           bits of the word (default 4, at most 8: it is a byte):
 *               FROZEN = 2^(W-1), the guard at 2^(W-2), all arithmetic
 *               mod 2^W like the real word.
 *   NR          references one try_get takes (default 1; GUP pins take
 *               1024 in the kernel). GETTERS x NR must fit the headroom
 *               2^(W-1) - guard, as 2^30 must in the kernel (readme-model).
 *
 * Mutations, each of which the check must catch:
 *   MUT_NO_GUARD  the undo of a failed get never waits at the guard
 *   MUT_SET_ZERO  the allocator sets a freed page to plain 0 instead of
 *                 FROZEN (set_page_count(0) left between free and alloc)
 *   MUT_OR_FREE   the final put sets the bit with atomic_or instead of the
 *                 cmpxchg 0 -> FROZEN
 *   MUT_FREEZE_READ_STORE  freeze reads the count, then stores FROZEN (two
 *                 steps instead of one cmpxchg): shows property 3 can fail
 *
 * Every atomic instruction of the real code is one d_step here; plain
 * local computation is folded into the neighbouring step, which changes
 * nothing another process can observe. Ghost state (refs, freed, frees,
 * fz) records what the page really is, so the properties can be stated
 * against it. The check flags are hidden: they are scratch, not state, and
 * named so that SPIN's "assertion violated" line says which property broke.
 */

#ifndef W
#define W 4
#endif
#ifndef NR
#define NR 1
#endif
#ifndef GETTERS
#define GETTERS 2
#endif
#ifndef FREEZERS
#define FREEZERS GETTERS
#endif
#ifndef LIVES
#define LIVES 2
#endif

#define MASK ((1 << W) - 1)
#define FROZEN (1 << (W - 1))
#define GUARD (1 << (W - 2))
#define FROZ(x) (((x) & FROZEN) != 0)
/* (unsigned)val - RS_FROZEN < RS_JUNK_GUARD, for a frozen val */
#define BELOW_GUARD(x) ((((x) - FROZEN) & MASK) < GUARD)

#ifdef ZERO_SCHEME
/* rs_zero_set_frozen(): 0 means free/frozen */
#define FREE_VALUE 0
#else
#define FREE_VALUE FROZEN
#endif

#ifdef MUT_SET_ZERO
#define ALLOC_SET_FROZEN 0 /* the hazard of seeds/003: set_page_count(0) */
#else
#define ALLOC_SET_FROZEN FREE_VALUE /* set_page_count_frozen() */
#endif

byte w = FREE_VALUE; /* the refcount word; the page starts in the allocator */

/* ghost state: what the page really is */
byte refs = 0;  /* references held by processes */
bool freed = 1; /* the page belongs to the allocator */
byte frees = 0; /* frees in the current life */
bool fz = 0;    /* a freezer holds the page frozen */
byte life = 0;

hidden byte P1_freed_once_per_life;
hidden byte P1_freed_when_last_ref_dropped;
hidden byte P2_no_get_on_freed_or_frozen_page;
hidden byte P2_no_ref_held_on_freed_page;
hidden byte P3_freeze_only_at_expected_count;
hidden byte P4_junk_never_makes_frozen_word_live;
hidden byte sanity_refs_never_negative;

#define CHECK(flag, cond) flag = (cond); assert(flag)

/* The winner of the final put frees: once per life, nobody holds a ref. */
inline do_free()
{
	CHECK(P1_freed_once_per_life, frees == 0);
	CHECK(P2_no_ref_held_on_freed_page, refs == 0);
	frees = 1;
	freed = 1
}

/*
 * Outcomes of an atomic step are stored in the local r and branched on
 * outside the d_step (a local test, invisible to other processes), so that
 * SPIN's "unreached" report shows whether every outcome of every cmpxchg
 * was exercised: verify.sh requires it, so a proof cannot be vacuous.
 */
#define R_FAIL 0
#define R_WON 1
#define R_RETRY 2

/*
 * try_get(n): ok = 1 and n references held on success.
 * Locals needed by the caller: val, old, ok, r.
 */
#ifdef ZERO_SCHEME
inline try_get(n)
{
	/* rs_cas_loop_try_get: rs_read; rs_assume_one_try_get: guess 1 */
#ifdef ASSUME_ONE
	old = 1;
#else
	d_step { old = w };
#endif
	do
	:: d_step {
		if
		:: old == 0 -> r = R_FAIL /* zero: dead or frozen, no access */
		:: old != 0 && w == old ->
			CHECK(P2_no_get_on_freed_or_frozen_page, !freed && !fz);
			w = (w + n) & MASK;
			refs = refs + n;
			r = R_WON
		:: else ->
			old = w; /* try_cmpxchg updates old */
			r = R_RETRY
		fi
	   };
	   if
	   :: r == R_FAIL -> ok = 0; break
	   :: r == R_WON -> ok = 1; break
	   :: r == R_RETRY -> skip /* cas_retries */
	   fi
	od;
	old = 0; r = 0
}
#else
inline try_get(n)
{
	/* rs_frozen_bit_try_get: val = atomic_add_return(v, n) */
	d_step {
		val = (w + n) & MASK;
		CHECK(P4_junk_never_makes_frozen_word_live, !(FROZ(w) && !FROZ(val)));
		w = val;
		if
		:: !FROZ(val) ->
			CHECK(P2_no_get_on_freed_or_frozen_page, !freed && !fz);
			refs = refs + n;
			ok = 1
		:: else ->
			ok = 0
		fi
	};
	if
	:: ok -> skip
#ifdef MUT_NO_GUARD
	:: else ->
		/* mutation: one undo attempt whatever the junk */
		d_step {
			if
			:: w == val -> w = FROZEN
			:: else -> skip
			fi
		}
#else
	:: !ok && BELOW_GUARD(val) ->
		/* rs_frozen_bit_undo, below the guard: one cmpxchg val -> FROZEN */
		d_step {
			if
			:: w == val -> w = FROZEN; r = R_WON
			:: else -> r = R_FAIL
			fi
		};
		if
		:: r == R_WON -> skip
		:: r == R_FAIL -> skip /* junk_left: an unfreeze or undo erases it */
		fi
	:: !ok && !BELOW_GUARD(val) ->
		/* guard_waits: past the guard, loop until the junk is gone */
		old = val;
		do
		:: d_step {
			if
			:: w == old -> w = FROZEN; r = R_WON
			:: else -> old = w; r = R_RETRY
			fi
		   };
		   if
		   :: r == R_WON -> break
		   :: r == R_RETRY && !FROZ(old) ->
			break /* unfrozen: the store erased the junk */
		   :: r == R_RETRY && FROZ(old) && BELOW_GUARD(old) ->
			break /* others drained it below the guard */
		   :: r == R_RETRY && FROZ(old) && !BELOW_GUARD(old) ->
			skip /* cas_retries, cpu_relax */
		   fi
		od;
		old = 0
#endif
	fi;
	val = 0; r = 0
}
#endif

/* put(n): rs_frozen_bit_put / rs_zero_put; the winner frees. */
inline put(n)
{
	d_step {
		w = (w - n) & MASK; /* atomic_sub_and_test */
		CHECK(sanity_refs_never_negative, refs >= n);
		refs = refs - n;
		ok = (w == 0)
	};
	if
	:: ok ->
#if defined(ZERO_SCHEME)
		d_step { do_free(); ok = 0 }
#elif defined(MUT_OR_FREE)
		/* mutation: atomic_or(FROZEN) always "wins" */
		d_step { w = w | FROZEN; do_free(); ok = 0 }
#else
		/* transient zero: only the one that moves 0 -> FROZEN frees */
		d_step {
			if
			:: w == 0 -> w = FROZEN; do_free(); r = R_WON
			:: else -> r = R_FAIL
			fi;
			ok = 0
		};
		if
		:: r == R_WON -> skip
		:: r == R_FAIL -> skip /* free_races: a getter revived the page */
		fi;
		r = 0
#endif
	:: else -> skip
	fi
}

/*
 * freeze(c), then unfreeze(c): rs_*_freeze is cmpxchg(c -> FROZEN) (zero
 * scheme: c -> 0); unfreeze is a release store of c, which erases junk.
 * The caller holds c references itself, so no other holder can put while
 * the page is frozen (what the kernel's callers guarantee).
 */
inline freeze_unfreeze(c)
{
#ifdef MUT_FREEZE_READ_STORE
	/* mutation: freeze as a read, then a plain store (not one cmpxchg) */
	d_step { old = w };
	d_step {
		if
		:: old == c ->
			CHECK(P3_freeze_only_at_expected_count, refs == c && !freed);
			w = FREE_VALUE;
			fz = 1;
			ok = 1
		:: else -> ok = 0
		fi;
		old = 0
	};
#else
	d_step {
		if
		:: w == c ->
			CHECK(P3_freeze_only_at_expected_count, refs == c && !freed);
			w = FREE_VALUE;
			fz = 1;
			ok = 1
		:: else -> ok = 0
		fi
	};
#endif
	if
	:: ok -> d_step { w = c; fz = 0; ok = 0 }
	:: else -> skip
	fi
}

/*
 * A speculative getter (folio_try_get from a page-cache lookup, a PFN
 * walker, GUP-fast): tries as often as it likes; on success it may
 * freeze/unfreeze at its own count (freezers only) and then puts.
 */
proctype getter(bool may_freeze)
{
	byte val, old, r;
	bool ok;

end:	do
	:: try_get(NR);
		if
		:: ok ->
			ok = 0;
			if
			:: may_freeze -> freeze_unfreeze(NR)
			:: true -> skip
			fi;
			put(NR)
		:: else -> skip
		fi
	:: break
	od
}

/*
 * The allocator and first owner: for each life, wait for the page to be
 * free, may set it frozen again (set_page_count_frozen()), then hand it
 * out with one reference (init_page_count()), hold it, and put it.
 */
proctype allocator()
{
	bool ok;
	byte r;

	do
	:: life < LIVES ->
		do
		:: atomic { freed -> w = ALLOC_SET_FROZEN }
		:: break
		od;
		atomic {
			freed ->
			w = 1;
			refs = refs + 1;
			freed = 0;
			frees = 0;
			life++
		};
		put(1)
	:: else -> break
	od
}

init
{
	byte i;

	atomic {
		i = 0;
		do
		:: i < GETTERS ->
			run getter(i < FREEZERS);
			i++
		:: else -> break
		od;
		run allocator()
	};
	/*
	 * Everybody is done and every reference dropped: the last life was
	 * freed exactly once (a leak leaves frees == 0; a stuck allocator is
	 * an invalid end state).
	 */
	(_nr_pr == 1) ->
	CHECK(P1_freed_when_last_ref_dropped, refs == 0 && freed && frees == 1 && life == LIVES);
	assert(FROZ(w) || FREE_VALUE == 0)
}
