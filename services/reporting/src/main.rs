#[tokio::main]
async fn main() -> anyhow::Result<()> {
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
