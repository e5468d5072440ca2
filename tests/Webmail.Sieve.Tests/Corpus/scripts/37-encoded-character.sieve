# corpus-messages: plain, spam
require ["encoded-character", "fileinto"];
if header :contains "subject" "${hex:6c 75 6e 63 68}" { fileinto "${unicode:48}${hex:45}x"; }
