/*
 * folio-lab: SPIN model of the 32-bit page refcount word, scaled down.
 *
 * One file, one configuration per set of cpp switches
 * (spin -DNAME=VALUE -a refcount.pml); model/verify.sh lists them.
 *
 *   SCHEME      which scheme of include/folio-lab/refscheme.h
 *               (RS_SCHEMES) the operations follow, line by line:
 *               S_CAS_LOOP, S_ASSUME_ONE, S_PLAIN_ADD (zero family: 0 is
 *               both "no references" and "frozen"), S_FROZEN_BIT (default:
 *               the series v1-v5), S_FROZEN_BIT_UNDO (the RFC's failure
 *               path), S_FROZEN_BIT_CAS_PUT (race-free put),
 *               S_INVERTED_BIT (0 = frozen, live = LIVE | count), and
 *               S_KERNEL_PORT: not a table entry but the lab's kernel port
 *               (kernels/frozen-bit-6.12.patch, page_ref.h) as written;
 *               with -DKERNEL_CAS_PUT, its put is that of patched-cas-put
 *               (kernels/frozen-bit-cas-put-6.12.patch on top).
 *   GETTERS     number of speculative getter processes (default 2).
 *   FREEZERS    how many of the getters may freeze the page at the count
 *               they expect (NR, their own references) and unfreeze it
 *               (default: all of them).
 *   LIVES       lives (allocations) of the page (default 2).
 *   W           bits of the word (default 4, at most 8: it is a byte):
 *               the top bit 2^(W-1) is FROZEN (LIVE for inverted-bit),
 *               GUARD = 2^(W-2) is the junk limit (2^30 in the kernel),
 *               all arithmetic mod 2^W like the real word.
 *   NR          references one try_get takes (default 1; GUP pins take
 *               1024 in the kernel). GETTERS x NR must fit the headroom
 *               2^(W-1) - GUARD, as 2^30 must in the kernel.
 *   PROPS       bit mask of the properties whose assertions are armed
 *               (default all; verify.sh arms one to replay its trail).
 *
 * Mutations, each of which the check must catch:
 *   MUT_NO_GUARD  no reset at the junk limit (frozen-bit, kernel-port:
 *                 the while loop is gone; frozen-bit-undo: one undo
 *                 cmpxchg whatever the junk, never the loop)
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
 * fz, life and each holder's mylife) records what the page really is, so
 * the properties can be stated against it. The check flags are hidden:
 * they are scratch, not state, and named so that SPIN's "assertion
 * violated" line says which property broke. The "@@" printf lines are the
 * words of a trail replay (pan ignores printf); verify.sh condenses them.
 */

#define S_CAS_LOOP 1
#define S_ASSUME_ONE 2
#define S_FROZEN_BIT 3
#define S_PLAIN_ADD 4
#define S_FROZEN_BIT_UNDO 5
#define S_FROZEN_BIT_CAS_PUT 6
#define S_INVERTED_BIT 7
#define S_KERNEL_PORT 8

#ifndef SCHEME
#define SCHEME S_FROZEN_BIT
#endif
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
#ifndef PROPS
#define PROPS 63
#endif

#if SCHEME == S_CAS_LOOP || SCHEME == S_ASSUME_ONE || SCHEME == S_PLAIN_ADD
#define ZERO_FAMILY
#elif SCHEME == S_INVERTED_BIT
#define INVERTED_FAMILY
#elif SCHEME == S_FROZEN_BIT || SCHEME == S_FROZEN_BIT_UNDO || SCHEME == S_FROZEN_BIT_CAS_PUT || SCHEME == S_KERNEL_PORT
#define FROZEN_FAMILY
#else
#error unknown SCHEME
#endif

#define MASK ((1 << W) - 1)
#define FROZEN (1 << (W - 1))
#define LIVE FROZEN
#define GUARD (1 << (W - 2))
/* RS_FROZEN_LIMIT = (1 << 30) | RS_FROZEN; RS_INVERTED_LIMIT = 1 << 30 */
#define LIMIT (FROZEN + GUARD)
#define INV_LIMIT GUARD
#define FROZ(x) (((x) & FROZEN) != 0)

#if defined(ZERO_FAMILY)
#define FREE_VALUE 0		/* rs_zero_set_frozen() */
#define LIVE_WORD(c) (c)
#define IS_FREE_WORD(x) ((x) == 0)
#elif defined(INVERTED_FAMILY)
#define FREE_VALUE 0		/* rs_inverted_bit_set_frozen(): 0 is frozen */
#define LIVE_WORD(c) (LIVE | (c))
#define IS_FREE_WORD(x) (((x) & LIVE) == 0)
#else
#define FREE_VALUE FROZEN	/* rs_frozen_bit_set_frozen() */
#define LIVE_WORD(c) (c)
#define IS_FREE_WORD(x) FROZ(x)
#endif

#ifdef MUT_SET_ZERO
#define ALLOC_SET_FROZEN 0 /* the v1 review's hazard (docs/background.md): set_page_count(0) */
#else
#define ALLOC_SET_FROZEN FREE_VALUE /* set_page_count_frozen() */
#endif

byte w = FREE_VALUE; /* the refcount word; the page starts in the allocator */

/* ghost state: what the page really is */
byte refs = 0;  /* references held by processes */
bool freed = 1; /* the page belongs to the allocator */
byte frees = 0; /* frees in the current life */
bool fz = 0;    /* a freezer holds the page frozen */
byte life = 0;  /* allocations so far: the current life */

hidden byte P1_freed_once_per_life;
hidden byte P1_freed_when_last_ref_dropped;
hidden byte P1_free_page_word_reads_frozen;
hidden byte P2_no_get_on_freed_or_frozen_page;
hidden byte P2_no_ref_held_on_freed_page;
hidden byte P3_freeze_only_at_expected_count;
hidden byte P4_junk_never_makes_frozen_word_live;
hidden byte P5_freer_held_ref_in_the_life_it_frees;
hidden byte S0_refs_never_negative;
hidden byte S0_no_put_on_frozen_word; /* kernel-port: its DEBUG_VM check */

/* Property numbers (bits of PROPS): S0 sanity, P1 .. P5 */
#define CHECK(flag, prop, cond) flag = ((cond) || ((PROPS >> (prop)) & 1) == 0); assert(flag)

/*
 * The winner of the final put frees: once per life, nobody holds a
 * reference, and (P5, ownership) the winner held its reference in this
 * very life: mylife is the life in which the caller took it.
 */
inline do_free()
{
	CHECK(P1_freed_once_per_life, 1, frees == 0);
	CHECK(P2_no_ref_held_on_freed_page, 2, refs == 0);
	CHECK(P5_freer_held_ref_in_the_life_it_frees, 5, mylife == life);
	printf("@@ %d free life %d ref-life %d w=%d\n", id, life, mylife, w);
	frees = 1;
	freed = 1
}

/* a successful get: the page must be live; the holder records its life */
inline got(n)
{
	CHECK(P2_no_get_on_freed_or_frozen_page, 2, !freed && !fz);
	refs = refs + n;
	mylife = life;
	ok = 1
}

/* the word after an add of n must not have left the frozen state */
#ifdef INVERTED_FAMILY
#define ADD_KEEPS_FROZEN(old, new) (((old) & LIVE) != 0 || ((new) & LIVE) == 0)
#else
#define ADD_KEEPS_FROZEN(old, new) (!FROZ(old) || FROZ(new))
#endif

/*
 * Outcomes of an atomic step are stored in the local r and branched on
 * outside the d_step (a local test, invisible to other processes), so that
 * SPIN's "unreached" report shows whether every outcome of every cmpxchg
 * was exercised: verify.sh requires it, so a proof cannot be vacuous.
 */
#define R_FAIL 0
#define R_WON 1
#define R_RETRY 2
#define R_EARLY 3 /* kernel-port: the HVO early exit */

/*
 * try_get(n): ok = 1 and n references held on success.
 * Locals of the caller: val, old, ok, r, mylife, id.
 */
#if defined(ZERO_FAMILY) && SCHEME == S_PLAIN_ADD
inline try_get(n)
{
	/* rs_plain_add_try_get: rs_add(v, nr), no liveness check at all */
	d_step {
		printf("@@ %d get add %d -> %d ok life %d\n", id, w, (w + n) & MASK, life);
		w = (w + n) & MASK;
		got(n)
	}
}
#elif defined(ZERO_FAMILY)
inline try_get(n)
{
	/* rs_zero_add_unless_zero(v, guess, nr) */
#if SCHEME == S_ASSUME_ONE
	old = 1; /* rs_assume_one_try_get: guess 1 */
#else
	d_step { old = w; printf("@@ %d get read %d\n", id, w) }; /* rs_cas_loop_try_get */
#endif
	do
	:: d_step {
		if
		:: old == 0 ->
			printf("@@ %d get sees 0 fail\n", id);
			r = R_FAIL /* zero: dead or frozen, no access */
		:: old != 0 && w == old ->
			printf("@@ %d get cmpxchg %d -> %d ok life %d\n", id, w, (w + n) & MASK, life);
			w = (w + n) & MASK;
			got(n);
			r = R_WON
		:: else ->
			printf("@@ %d get cmpxchg %d lost w=%d retry\n", id, old, w);
			old = w; /* try_cmpxchg updates old */
			r = R_RETRY
		fi
	   };
	   if
	   :: r == R_FAIL -> ok = 0; break
	   :: r == R_WON -> break
	   :: r == R_RETRY -> skip /* cas_retries */
	   fi
	od;
	old = 0; r = 0
}
#elif defined(INVERTED_FAMILY)
inline try_get(n)
{
	/* rs_inverted_bit_try_get: val = rs_add_return(v, nr) */
	d_step {
		val = (w + n) & MASK;
		CHECK(P4_junk_never_makes_frozen_word_live, 4, ADD_KEEPS_FROZEN(w, val));
		w = val;
		if
		:: (val & LIVE) != 0 -> printf("@@ %d get add %d ok life %d\n", id, val, life); got(n)
		:: else -> printf("@@ %d get add %d fail\n", id, val); ok = 0
		fi
	};
	if
	:: ok -> skip
	:: !ok && val < INV_LIMIT -> skip /* junk_left */
	:: !ok && val >= INV_LIMIT ->
		/* while (val >= RS_INVERTED_LIMIT && !(val & RS_LIVE)) */
		do
		:: d_step {
			if
			:: w == val -> w = 0; r = R_WON; printf("@@ %d get reset %d -> 0\n", id, val)
			:: else -> printf("@@ %d get reset %d lost w=%d\n", id, val, w); val = w; r = R_RETRY
			fi
		   };
		   if
		   :: r == R_WON -> break /* guard_resets */
		   :: r == R_RETRY && val >= INV_LIMIT && (val & LIVE) == 0 -> skip /* cas_retries */
		   :: r == R_RETRY && val < INV_LIMIT -> break /* drained below the limit */
		   :: r == R_RETRY && (val & LIVE) != 0 -> break /* live again */
		   fi
		od
	fi;
	val = 0; r = 0
}
#else
/* the frozen-bit family: one add-return, the junk limit */
inline add_return_get(n)
{
	/* val = rs_add_return(v, nr); ok = !rs_is_frozen(val) */
	d_step {
		val = (w + n) & MASK;
		CHECK(P4_junk_never_makes_frozen_word_live, 4, ADD_KEEPS_FROZEN(w, val));
		w = val;
		if
		:: !FROZ(val) -> printf("@@ %d get add %d ok life %d\n", id, val, life); got(n)
		:: else -> printf("@@ %d get add %d fail\n", id, val); ok = 0
		fi
	}
}

/*
 * while ((unsigned int)val >= RS_FROZEN_LIMIT)
 *	if (rs_try_cmpxchg_relaxed(v, &val, RS_FROZEN)) break/return;
 * (the kernel port: the same loop on atomic_try_cmpxchg_relaxed)
 */
inline limit_loop()
{
	do
	:: d_step {
		if
		:: w == val -> w = FROZEN; r = R_WON; printf("@@ %d get reset %d -> %d\n", id, val, FROZEN)
		:: else -> printf("@@ %d get reset %d lost w=%d\n", id, val, w); val = w; r = R_RETRY
		fi
	   };
	   if
	   :: r == R_WON -> break /* guard_resets */
	   :: r == R_RETRY && val >= LIMIT -> skip /* cas_retries */
	   :: r == R_RETRY && val < LIMIT && FROZ(val) -> break /* drained below */
	   :: r == R_RETRY && !FROZ(val) -> break /* unfrozen: the store erased the junk */
	   fi
	od
}

inline try_get(n)
{
#if SCHEME == S_KERNEL_PORT
	/*
	 * page_ref_add_unless_frozen() of kernels/frozen-bit-6.12.patch:
	 * with HVO, "if (page_is_fake_head(page) ||
	 * __page_ref_vmemmap_frozen(page)) goto out;" reads the word first and
	 * fails on a frozen page without writing. The model lets a getter take
	 * that early exit or not (HVO on or off, or a fake head).
	 */
	if
	:: d_step {
		if
		:: FROZ(w) -> r = R_EARLY; printf("@@ %d get hvo-read %d fail\n", id, w)
		:: else -> r = R_RETRY
		fi
	   };
	   if
	   :: r == R_EARLY -> ok = 0
	   :: r == R_RETRY -> add_return_get(n)
	   fi
	:: add_return_get(n)
	fi;
	if
	:: ok -> skip
	:: !ok && r == R_EARLY -> skip /* the early exit: nothing written */
#ifdef MUT_NO_GUARD
	:: !ok && r != R_EARLY -> skip /* mutation: no limit loop */
#else
	:: !ok && r != R_EARLY && val < LIMIT -> skip /* junk stays */
	:: !ok && r != R_EARLY && val >= LIMIT -> limit_loop()
#endif
	fi;
#elif SCHEME == S_FROZEN_BIT_UNDO
	/* rs_frozen_bit_undo_try_get */
	add_return_get(n);
	if
	:: ok -> skip
	:: else ->
		/* the RFC: one rs_try_cmpxchg(v, &val, RS_FROZEN) */
		d_step {
			if
			:: w == val -> w = FROZEN; r = R_WON; printf("@@ %d get undo %d -> %d\n", id, val, FROZEN)
			:: else -> printf("@@ %d get undo %d lost w=%d\n", id, val, w); val = w; r = R_FAIL
			fi
		};
		if
		:: r == R_WON -> skip
#ifdef MUT_NO_GUARD
		:: r == R_FAIL -> skip /* mutation: never the limit loop */
#else
		:: r == R_FAIL && val < LIMIT -> skip /* junk_left */
		:: r == R_FAIL && val >= LIMIT -> limit_loop()
#endif
		fi
	fi;
#else
	/* rs_frozen_bit_try_get (frozen-bit-cas-put has the same get) */
	add_return_get(n);
	if
	:: ok -> skip
#ifdef MUT_NO_GUARD
	:: else -> skip /* mutation: no limit loop */
#else
	:: !ok && val < LIMIT -> skip /* junk_left */
	:: !ok && val >= LIMIT -> limit_loop()
#endif
	fi;
#endif
	val = 0; r = 0
}
#endif

/* put(n): the scheme's put; the caller whose put returns true frees. */
#if defined(ZERO_FAMILY)
inline put(n)
{
	/* rs_zero_put: rs_sub_and_test */
	d_step {
		printf("@@ %d put sub %d -> %d\n", id, w, (w - n) & MASK);
		w = (w - n) & MASK;
		CHECK(S0_refs_never_negative, 0, refs >= n);
		refs = refs - n;
		ok = (w == 0)
	};
	if
	:: ok -> d_step { do_free(); ok = 0 }
	:: else -> skip
	fi;
	mylife = 0
}
#elif SCHEME == S_FROZEN_BIT_CAS_PUT || (SCHEME == S_KERNEL_PORT && defined(KERNEL_CAS_PUT))
inline put(n)
{
	/*
	 * rs_frozen_bit_cas_put_put: old = rs_read(v); cmpxchg loop. The
	 * kernel's patched-cas-put (kernels/frozen-bit-cas-put-6.12.patch,
	 * __page_ref_put_to_frozen) is the same loop: val = atomic_read();
	 * do { new = val == nr ? FROZEN : val - nr; } while
	 * (!atomic_try_cmpxchg(&v, &val, new)); return val == nr.
	 */
	d_step { old = w; printf("@@ %d put read %d\n", id, w) };
	do
	:: d_step {
#if SCHEME == S_KERNEL_PORT
		/* its VM_WARN_ON_ONCE_PAGE(__page_count_is_frozen(val)) */
		CHECK(S0_no_put_on_frozen_word, 0, !FROZ(old));
#endif
		if
		:: old == n && w == old ->
			printf("@@ %d put cmpxchg %d -> %d\n", id, w, FROZEN);
			w = FROZEN;
			CHECK(S0_refs_never_negative, 0, refs >= n);
			refs = refs - n;
			do_free();
			r = R_WON
		:: old != n && w == old ->
			printf("@@ %d put cmpxchg %d -> %d\n", id, w, (w - n) & MASK);
			w = (w - n) & MASK;
			CHECK(S0_refs_never_negative, 0, refs >= n);
			refs = refs - n;
			r = R_FAIL
		:: else ->
			printf("@@ %d put cmpxchg %d lost w=%d retry\n", id, old, w);
			old = w;
			r = R_RETRY
		fi
	   };
	   if
	   :: r == R_WON -> break /* frees */
	   :: r == R_FAIL -> break /* not the last reference */
	   :: r == R_RETRY -> skip /* cas_retries */
	   fi
	od;
	old = 0; r = 0; mylife = 0
}
#else
/* frozen-bit, frozen-bit-undo, kernel-port: through 0; inverted: LIVE */
#ifdef INVERTED_FAMILY
#define PUT_ZERO LIVE		/* rs_sub_return(v, nr) == RS_LIVE */
#define PUT_FROZEN 0
#else
#define PUT_ZERO 0		/* rs_sub_and_test(v, nr) */
#define PUT_FROZEN FROZEN
#endif
inline put(n)
{
	d_step {
		printf("@@ %d put sub %d -> %d\n", id, w, (w - n) & MASK);
#if SCHEME == S_KERNEL_PORT
		/* the port's DEBUG_VM check: the word before the put not frozen */
		CHECK(S0_no_put_on_frozen_word, 0, !FROZ(w));
#endif
		w = (w - n) & MASK;
		CHECK(S0_refs_never_negative, 0, refs >= n);
		refs = refs - n;
		ok = (w == PUT_ZERO)
	};
	if
	:: ok ->
#if defined(MUT_OR_FREE)
		/* mutation: atomic_or(FROZEN) always "wins" */
		d_step { printf("@@ %d put or %d -> %d\n", id, w, w | FROZEN); w = w | FROZEN; do_free(); ok = 0 }
#else
		/* transient zero: only the one whose cmpxchg freezes it frees */
		d_step {
			if
			:: w == PUT_ZERO -> printf("@@ %d put cmpxchg %d -> %d\n", id, w, PUT_FROZEN); w = PUT_FROZEN; do_free(); r = R_WON
			:: else -> printf("@@ %d put cmpxchg %d lost w=%d\n", id, PUT_ZERO, w); r = R_FAIL
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
	fi;
	mylife = 0
}
#endif

/*
 * freeze(c), then unfreeze(c): rs_*_freeze is cmpxchg(c -> frozen);
 * unfreeze is a release store of c, which erases junk. The caller holds
 * c references itself, so no other holder can put while the page is
 * frozen (what the kernel's callers guarantee).
 */
inline freeze_unfreeze(c)
{
#ifdef MUT_FREEZE_READ_STORE
	/* mutation: freeze as a read, then a plain store (not one cmpxchg) */
	d_step { old = w; printf("@@ %d freeze read %d\n", id, w) };
	d_step {
		if
		:: old == LIVE_WORD(c) ->
			CHECK(P3_freeze_only_at_expected_count, 3, refs == c && !freed);
			printf("@@ %d freeze store %d (read %d, w=%d)\n", id, FREE_VALUE, old, w);
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
		:: w == LIVE_WORD(c) ->
			CHECK(P3_freeze_only_at_expected_count, 3, refs == c && !freed);
			printf("@@ %d freeze cmpxchg %d -> %d\n", id, w, FREE_VALUE);
			w = FREE_VALUE;
			fz = 1;
			ok = 1
		:: else -> ok = 0
		fi
	};
#endif
	if
	:: ok -> d_step { printf("@@ %d unfreeze %d -> %d\n", id, w, LIVE_WORD(c)); w = LIVE_WORD(c); fz = 0; ok = 0 }
	:: else -> skip
	fi
}

/*
 * A speculative getter (folio_try_get from a page-cache lookup, a PFN
 * walker, GUP-fast): tries as often as it likes; on success it may
 * freeze/unfreeze at its own count (freezers only) and then puts.
 */
proctype getter(bool may_freeze; byte id)
{
	byte val, old, r, mylife;
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
 * out with one reference (init_page_count(); inverted-bit: LIVE | 1),
 * hold it, and put it.
 */
proctype allocator()
{
	bool ok;
	byte r, old, mylife;
	byte id = 0;

	do
	:: life < LIVES ->
		do
		:: atomic { freed -> printf("@@ %d set-frozen %d -> %d\n", id, w, ALLOC_SET_FROZEN); w = ALLOC_SET_FROZEN }
		:: break
		od;
		atomic {
			freed ->
			printf("@@ %d alloc life %d w %d -> %d\n", id, life + 1, w, LIVE_WORD(1));
			w = LIVE_WORD(1);
			refs = refs + 1;
			freed = 0;
			frees = 0;
			life++;
			mylife = life
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
			run getter(i < FREEZERS, i + 1);
			i++
		:: else -> break
		od;
		run allocator()
	};
	/*
	 * Everybody is done and every reference dropped: the last life was
	 * freed exactly once (a leak leaves frees == 0; a stuck allocator is
	 * an invalid end state) and its word reads frozen/free.
	 */
	(_nr_pr == 1) ->
	CHECK(P1_freed_when_last_ref_dropped, 1, refs == 0 && freed && frees == 1 && life == LIVES);
	CHECK(P1_free_page_word_reads_frozen, 1, IS_FREE_WORD(w))
}
