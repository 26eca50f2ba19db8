// SPDX-License-Identifier: GPL-2.0 OR MIT
/* folio-lab: everything is in fl_main() so tests can link the same CLI. */
#include "harness.h"

int main(int argc, char **argv)
{
	return fl_main(argc, argv);
}
