# corpus-messages: plain
require ["vacation", "fileinto"];
vacation :mime text:
Content-Type: text/plain; charset=utf-8

Out of the office.
..
Regards
.
;
fileinto "Replied";
