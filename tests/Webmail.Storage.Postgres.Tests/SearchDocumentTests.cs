using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using Webmail.Testing;

namespace Webmail.Storage.Postgres.Tests;

/// <summary>
/// The stored search document must hold the words a search is cut into (<see cref="SearchDocument.Tokens"/>), at
/// their positions and with their column's weight, however the text quotes, escapes or mixes scripts (the document is
/// built by its own walk, with a buffer reused for every token). Each document here is read by PostgreSQL
/// (<c>::tsvector</c>) and compared, lexeme by lexeme and position by position, with the tokens.
/// </summary>
public sealed class SearchDocumentTests : IAsyncLifetime
{
    private readonly TestStore _store = new(StoreProvider.Postgres);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _store.DisposeAsync();

    public static TheoryData<string> Texts() =>
    [
        "Hello, World! hello again",
        "Crème brûlée à la française, ÉCOLE école",
        "lucy@a.example wrote: it's \"quoted\" and back\\slash and 'single'",
        "数学 の テスト 123 ４５６ Ⅻ ½",
        "emoji 😀 between 👍🏽 words, and a lone surrogate \ud800 here \udc00 too",
        "Straße İstanbul ǅemal ﬁne",
        new string('x', 199) + " " + new string('y', 200) + " " + new string('z', 201) + " after",
        "tabs\tand\r\nlines\u00a0nbsp\u2003em-space",
        "",
        "!!! ... ---",
    ];

    [Theory]
    [MemberData(nameof(Texts))]
    public Task TheDocumentHoldsTheWordsASearchIsCutInto(string text) =>
        AssertAgreeAsync([[(text, 'D')]]);

    [Fact]
    public Task ColumnsKeepTheirWeightsAndAGapBetweenThem() =>
        AssertAgreeAsync([[("Subject line", 'A'), ("Lucy lucy@a.example", 'B'), ("bob@b.example", 'C'), ("Body text, subject again", 'D')]]);

    [Fact]
    public async Task RandomTextAgrees()
    {
        var documents = new List<(string, char)[]>();
        var random = new Random(24);
        string[] pieces = ["a", "Z", "9", " ", ",", "'", "\\", "é", "Ö", "ß", "中", "😀", "\u0301", "\ud800", "-", "_", "\t", "ǅ", "İ", "ﬁ", "٣", "\u200b"];
        for (var i = 0; i < 2000; i++)
        {
            var text = new StringBuilder();
            for (var n = random.Next(0, 60); n > 0; n--)
                text.Append(pieces[random.Next(pieces.Length)]);
            documents.Add([(text.ToString(), "ABCD"[random.Next(4)]), (text.ToString()[..(text.Length / 2)], 'D')]);
        }
        await AssertAgreeAsync(documents);
    }

    private async Task AssertAgreeAsync(IReadOnlyList<(string Text, char Weight)[]> documents)
    {
        await using var connection = new NpgsqlConnection(_store.Services.GetRequiredService<IConfiguration>()["Webmail:Store:ConnectionString"]);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT d::tsvector FROM unnest(@docs::text[]) WITH ORDINALITY AS t(d, n) ORDER BY n", connection);
        command.Parameters.AddWithValue("docs", documents.Select(columns => SearchDocument.Build(columns)).ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        foreach (var columns in documents)
        {
            Assert.True(await reader.ReadAsync());
            AssertAgrees(columns, reader.GetFieldValue<NpgsqlTsVector>(0));
        }
    }

    private static void AssertAgrees((string Text, char Weight)[] columns, NpgsqlTsVector read)
    {
        var actual = read.ToDictionary(l => l.Text, l => Enumerable.Range(0, l.Count).Select(i => (l[i].Pos, Weight(l[i].Weight))).ToList());

        var expected = new Dictionary<string, List<(int, char)>>();
        var position = 0;
        foreach (var (text, weight) in columns)
        {
            foreach (var token in SearchDocument.Tokens(text))
            {
                position++;
                if (token.Text.Length <= 200)
                    (expected.TryGetValue(token.Text, out var positions) ? positions : expected[token.Text] = []).Add((position, weight));
            }
            position++;
        }
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), actual.OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    private static char Weight(NpgsqlTsVector.Lexeme.Weight weight) => weight switch
    {
        NpgsqlTsVector.Lexeme.Weight.A => 'A',
        NpgsqlTsVector.Lexeme.Weight.B => 'B',
        NpgsqlTsVector.Lexeme.Weight.C => 'C',
        _ => 'D',
    };
}
