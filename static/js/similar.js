// Similar questions already asked, suggested while a question is typed: the citizen may vote
// for one instead of asking it again; and articles of the law that may already answer it.
// One look-up at a time, after a pause in typing.
const box = document.getElementById("similar");
const textarea = document.querySelector("#ask-form textarea");

if (box && textarea) {
  const questionsPart = box.querySelector(".similar-questions");
  const articlesPart = box.querySelector(".similar-articles");
  const list = questionsPart.querySelector("ul");
  const articleList = articlesPart.querySelector("ul");
  let timer = null;
  let inFlight = null;
  let last = "";

  const showArticles = (articles) => {
    articleList.replaceChildren(...articles.map((article) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = article.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = `${article.document}, ${box.dataset.article} ${article.number}` +
        (article.heading ? `. ${article.heading}` : "");
      item.append(link);
      return item;
    }));
    articlesPart.hidden = articles.length === 0;
  };

  const show = (questions, articles = []) => {
    list.replaceChildren(...questions.map((question) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#q${question.id}`;
      link.textContent = question.text;
      const meta = document.createElement("span");
      meta.className = "similar-meta";
      meta.textContent = ` · ▲ ${question.votes}` + (question.answered ? ` · ${box.dataset.answered}` : "");
      item.append(link, meta);
      return item;
    }));
    questionsPart.hidden = questions.length === 0;
    showArticles(articles);
    box.hidden = questions.length === 0 && articles.length === 0;
  };

  const lookUp = async () => {
    const text = textarea.value.trim();
    if (text === last) return;
    last = text;
    inFlight?.abort();
    if (text.length < Number(box.dataset.minLength)) return show([]);
    inFlight = new AbortController();
    try {
      // POSTed, never in the address: URLs end up in the servers' logs, the words typed must not.
      // The form's own CSRF token goes in the header Django reads.
      const response = await fetch(box.dataset.url, {
        method: "POST",
        signal: inFlight.signal,
        headers: { Accept: "application/json", "X-CSRFToken": textarea.form.elements.csrfmiddlewaretoken.value },
        body: new URLSearchParams({ q: text }),
      });
      if (!response.ok) return;   // over the limit, or no longer a participant: say nothing
      const found = await response.json();
      show(found.questions, found.articles ?? []);
    } catch (error) {
      if (error.name !== "AbortError") show([]);
    }
  };

  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 400);
  });
  // A question sent empties the box; its suggestions go with it.
  textarea.form.addEventListener("submit", () => { last = ""; show([]); });
}
