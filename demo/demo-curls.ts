/** Example requests against the demo, one per interesting binding. */
export function exampleCurls(base: string): string[] {
  return [
    `curl -s ${base}/v1/shelves`,
    `curl -s ${base}/v1/shelves/fiction/books/dune`,
    `curl -s '${base}/v1/shelves/fiction/books?pageSize=2&genres=GENRE_FANTASY&orderBy=title'`,
    `curl -s -X POST ${base}/v1/shelves/fiction/books?bookId=neuromancer -H 'content-type: application/json' -d '{"title":"Neuromancer","authors":["William Gibson"],"genre":"GENRE_SCIENCE_FICTION"}'`,
    `curl -s -X PATCH ${base}/v1/shelves/fiction/books/dune -H 'content-type: application/json' -d '{"title":"Dune (anniversary edition)"}'`,
    `curl -s -X POST ${base}/v1/shelves/science/books/brief-history:publish -H 'content-type: application/json' -d '{}'`,
    `curl -s -N ${base}/v1/shelves/fiction/books:stream?interval=0.5s`,
    `curl -s -o cover.png -w '%{content_type} %{size_download} bytes\\n' ${base}/v1/shelves/fiction/books/dune/cover`,
    `curl -s -i ${base}/v1/shelves/fiction/books/missing`,
  ];
}
