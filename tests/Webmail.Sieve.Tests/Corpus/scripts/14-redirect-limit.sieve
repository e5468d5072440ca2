# corpus-messages: plain, spam
# Five distinct redirects: one more than the default limit of four.
if header :contains "subject" "lunch" {
    redirect "a@example.net";
    redirect "b@example.net";
    redirect "c@example.net";
    redirect "d@example.net";
    redirect "e@example.net";
}
