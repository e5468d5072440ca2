# corpus-messages: plain
require ["variables", "fileinto"];
set :lower "a" "MiXeD Case";
set :upper "b" "MiXeD Case";
set :upperfirst :lower "c" "hELLO";
set :lowerfirst "d" "ABC";
set :length "e" "four";
set :quotewildcard "f" "a*b?c";
set :length :upper "g" "abcdef";
fileinto "${a}|${b}|${c}|${d}|${e}|${f}|${g}";
set "name" "x";
set "name" "${name}${name}";
fileinto "${NAME}${undefined}-${name}";
