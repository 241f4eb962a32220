#[tokio::main]
async fn main() -> anyhow::Result<()> {
    juxuan_platform::service::main(
        juxuan_nomination::SERVICE,
        juxuan_nomination::settings,
        &juxuan_nomination::MIGRATIONS,
        |settings, shutdown| async move {
            juxuan_nomination::App::build(&settings)
                .await?
                .run_until_stopped(shutdown)
                .await
        },
    )
    .await
}
