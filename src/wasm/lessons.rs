//! JS bindings of the lessons' scenarios (see [`crate::lessons`]): a page's task starts a run
//! with its state (and, for a lesson that reads files, the files) and steps it, drawing each
//! partial output.

use super::convert::*;
use crate::error::Error;
use crate::lessons::{self, Data, DataFile, Run};
use wasm_bindgen::prelude::*;

type JsResult<T> = std::result::Result<T, JsError>;

/// Most files a lesson reads.
const MAX_DATA_FILES: usize = 8;

/// A lesson's files, `{ name: { id, text } }` (`undefined`/`null`: none): the learner's uploads,
/// which stay out of the page's state and so out of its links. `id` names the content (a new
/// upload, a new id) and is what the lesson caches parsed files by.
fn lesson_data(v: &Option<JsValue>) -> crate::Result<Data> {
    let mut data = Data::new();
    let Some(v) = v.as_ref().filter(|v| !v.is_undefined() && !v.is_null()) else {
        return Ok(data);
    };
    expect_object(v, "data", "an object of files { name: { id, text } }")?;
    let names = keys("data", v)?;
    if names.len() > MAX_DATA_FILES {
        return Err(Error::invalid("data", format!("holds {} files; a lesson reads at most {MAX_DATA_FILES}", names.len())));
    }
    for n in names {
        let path = format!("data.{n}");
        let f = get(&path, v, &JsValue::from_str(&n))?;
        if f.is_undefined() || f.is_null() {
            continue; // a file the page removed
        }
        expect_object(&f, &path, "a file { id, text }")?;
        check_keys(&f, &path, &["id", "text"])?;
        let part = |key: &str| -> crate::Result<JsValue> {
            get(&format!("{path}.{key}"), &f, &JsValue::from_str(key)).and_then(|x| {
                if x.is_undefined() {
                    Err(Error::invalid(format!("{path}.{key}"), "is required: expected a string"))
                } else {
                    Ok(x)
                }
            })
        };
        let id = name(&format!("{path}.id"), &part("id")?)?;
        let text = string(&format!("{path}.text"), &part("text")?)?;
        data.insert(n, DataFile { id, text });
    }
    Ok(data)
}

/// A lesson's computation for one state of its page, run in steps.
#[wasm_bindgen(js_name = LessonRun)]
pub struct LessonRunHandle {
    inner: Box<dyn Run>,
}

#[wasm_bindgen(js_class = LessonRun)]
impl LessonRunHandle {
    /// Start lesson `lesson` (a slug such as "biased-logs") with the page's whole state and, for a
    /// lesson that reads files (`real-logs`), `data`: `{ name: { id, text } }`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string")] lesson: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Record<string, number | string | boolean>")] state: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Record<string, { id: string; text: string } | undefined> | undefined")]
        data: Option<JsValue>,
    ) -> JsResult<LessonRunHandle> {
        let run = || -> crate::Result<Box<dyn Run>> {
            let slug = name("lesson", &lesson)?;
            let state = config_value(&state, "state")?;
            lessons::start_with_data(&slug, &state, &lesson_data(&data)?)
        };
        Ok(LessonRunHandle { inner: run().map_err(js_error)? })
    }

    /// Do the next bounded piece of work; returns the output so far, or `undefined` once the run
    /// is complete.
    pub fn step(&mut self) -> JsResult<JsValue> {
        match self.inner.step().map_err(js_error)? {
            Some(out) => to_js(&out),
            None => Ok(JsValue::UNDEFINED),
        }
    }
}

/// Run a lesson to completion and return the digest of its final output (the same natively, in
/// node and in browsers: what the determinism tests compare). `data` as for `LessonRun`.
#[wasm_bindgen(js_name = lessonDigest)]
pub fn lesson_digest(
    #[wasm_bindgen(unchecked_param_type = "string")] lesson: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, number | string | boolean>")] state: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, { id: string; text: string } | undefined> | undefined")] data: Option<
        JsValue,
    >,
) -> JsResult<String> {
    let run = || -> crate::Result<String> {
        let slug = name("lesson", &lesson)?;
        let state = config_value(&state, "state")?;
        Ok(lessons::digest(&lessons::run_to_end_with_data(&slug, &state, &lesson_data(&data)?)?))
    };
    run().map_err(js_error)
}

/// The lessons' slugs, in course order.
#[wasm_bindgen(js_name = lessonSlugs, unchecked_return_type = "string[]")]
pub fn lesson_slugs() -> JsResult<JsValue> {
    to_js(&lessons::SLUGS)
}

/// A lesson's checked exercise for a learner's seed: `{ goal, state: [[control, value], …], hints }`;
/// `data` for a lesson that reads files (`real-logs`: its exercise is about the loaded logs).
#[wasm_bindgen(js_name = lessonExercise, unchecked_return_type = "{ goal: string; state: [string, number][]; hints: string[] }")]
pub fn lesson_exercise(
    #[wasm_bindgen(unchecked_param_type = "string")] lesson: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] seed: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, { id: string; text: string } | undefined> | undefined")] data: Option<
        JsValue,
    >,
) -> JsResult<JsValue> {
    let run = || -> crate::Result<lessons::Exercise> {
        lessons::exercise_with_data(
            &name("lesson", &lesson)?,
            &name("id", &id)?,
            integer("seed", &seed, 9_007_199_254_740_991.0)?,
            &lesson_data(&data)?,
        )
    };
    to_js(&run().map_err(js_error)?)
}

/// Check an answer to a lesson's exercise: `{ correct, message, solution }`.
#[wasm_bindgen(js_name = checkExercise, unchecked_return_type = "{ correct: boolean; message: string; solution: string }")]
pub fn check_exercise(
    #[wasm_bindgen(unchecked_param_type = "string")] lesson: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] seed: JsValue,
    answer: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, { id: string; text: string } | undefined> | undefined")] data: Option<
        JsValue,
    >,
) -> JsResult<JsValue> {
    let run = || -> crate::Result<lessons::Check> {
        lessons::check_exercise_with_data(
            &name("lesson", &lesson)?,
            &name("id", &id)?,
            integer("seed", &seed, 9_007_199_254_740_991.0)?,
            &config_value(&answer, "answer")?,
            &lesson_data(&data)?,
        )
    };
    to_js(&run().map_err(js_error)?)
}
