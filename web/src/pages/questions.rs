//! The 50 questions in their three languages, each linking to its grid of scores.

use leptos::prelude::*;

use crate::site::{href, use_site};

#[component]
pub fn QuestionsPage() -> impl IntoView {
    let site = use_site();
    let rows = site
        .study
        .dataset
        .questions
        .iter()
        .map(|question| {
            view! {
                <tr>
                    <th scope="row"><a href=href(&format!("/questions/{}", question.id))>{format!("Q{}", question.id)}</a></th>
                    <td>{question.category.display_name()}</td>
                    <td lang="en">{question.english.clone()}</td>
                    <td lang="kk">{question.kazakh.clone()}</td>
                    <td lang="mn">{question.mongolian.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h1>"Questions"</h1>
        <p>"Open a question to see every model's score in every condition and to compare two responses side by side."</p>
        <div class="table-scroll">
            <table class="questions" data-testid="questions">
                <caption class="visually-hidden">"The benchmark's questions"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Id"</th>
                        <th scope="col">"Category"</th>
                        <th scope="col">"English"</th>
                        <th scope="col">"Kazakh"</th>
                        <th scope="col">"Mongolian"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
