# corpus-messages: plain
require ["variables", "fileinto"];
set "a" "${";
set "b" "${a}{a}";
set "c" "$${a}";
set "d" "${1}${2}";
set "e" "text ${env.foo} ${}";
fileinto "[${b}][${c}][${d}][${e}]";
