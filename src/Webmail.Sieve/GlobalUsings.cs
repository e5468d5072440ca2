global using MatchType = Webmail.Sieve.Matching.MatchType;
