# corpus-messages: plain, spam
require "variables";
if header :matches "subject" "*lunch*" { set "to" "not an address ${1}"; redirect "${to}"; }
