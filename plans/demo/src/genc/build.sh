# Builds genc into $1; its manual goes to $2 when the doc tool `mkdoc` is there
# (not at stage1, which is built without it: the nodoc profile).
set -e
mkdir -p "$1/bin"
cc -O2 -o "$1/bin/genc" genc.c
if [ -n "$2" ] && [ -d "$2" ]; then
    mkdir -p "$2/share/doc/genc"
    mkdoc genc.txt > "$2/share/doc/genc/genc.txt"
fi
