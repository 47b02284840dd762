//! `/dashboard`: a single-use sign-in link to the read-only dashboard (`kyodo web`, or beside
//! `kyodo run`), for the user who asks and with their roles — an admin's shows reporters' names
//! — valid `store::web::LINK_MINUTES`, answered to them alone. The link's address is the
//! config's `[web] public_url`; without one the reply says who can set it, and that
//! `kyodo web-link` makes links on the server.

use super::{Failure, Request};
use crate::app::App;
use crate::domain::validate::UserError;
use crate::render::reply::{Reply, Section, Visibility};
use crate::store::web::{WebUser, LINK_MINUTES};

pub(super) fn link(app: &mut App, request: &Request, shown: Visibility) -> Result<Reply, Failure> {
    let Some(base) = app.settings.catalogue.web.public_url.clone() else {
        return Err(UserError::new(
            "ダッシュボードのアドレスが設定されていないため、リンクを作れません。管理者に設定ファイルの [web] public_url を書いてもらうか、kyodo を動かしているサーバーで kyodo web-link でリンクを作ってもらってください",
        )
        .into());
    };
    let user = WebUser {
        id: request.user.id.clone(),
        name: request.user.name.clone(),
        admin: request.roles.admin,
    };
    let token = app
        .store
        .issue_web_link(&user, request.now.timestamp(), LINK_MINUTES * 60)?;
    let role = if user.admin {
        "管理者として（記録の報告者の名前も見えます）"
    } else {
        "職員として"
    };
    Ok(Reply::done(
        shown,
        "ダッシュボードのサインイン用リンク",
        vec![Section::lines(vec![
            format!("{base}/login?token={token}"),
            format!(
                "{LINK_MINUTES}分間、1回だけ使えます。{role}サインインします。このリンクは他の人に渡さないでください"
            ),
        ])],
    ))
}
