#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `rebuild`: empty the projections and replay every event from the outboxes, then exit.
    if std::env::args().nth(1).as_deref() == Some("rebuild") {
        let settings = juxuan_platform::service::settings_or_exit(juxuan_reporting::settings(
            juxuan_platform::config::Env::from_process(),
        ));
        let pool = juxuan_platform::db::connect(
            &settings.service.common.database_url,
            2,
            std::time::Duration::from_secs(60),
        )
        .await?;
        juxuan_reporting::MIGRATIONS.run(&pool).await?;
        let applied = juxuan_reporting::projections::rebuild(&pool).await?;
        println!("reporting: projections rebuilt from {applied} events");
        return Ok(());
    }
    juxuan_platform::service::main(
        juxuan_reporting::SERVICE,
        juxuan_reporting::settings,
        &juxuan_reporting::MIGRATIONS,
        |settings, shutdown| async move {
            juxuan_reporting::App::build(&settings)
                .await?
                .run_until_stopped(shutdown)
                .await
        },
    )
    .await
}
