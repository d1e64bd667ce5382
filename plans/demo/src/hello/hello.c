/* hello: the demo's program, linked against libgreet. */
#include <stdio.h>
#include "greet.h"

int main(void) {
    printf("%s\n", greeting());
    return 0;
}
